using Actors.Runtime.Hosting;

[assembly: StandbyPreparation(typeof(Actors.Coordination.Processes.SharedObjectsRehearsal))]

namespace Actors.Coordination.Processes;

/// <summary>
/// What a warm standby child rehearses of this assembly before it waits for its target: creating and attaching shared
/// memory, what a child's first lines (or its arguments) commonly do. Cold, a child's first attach took 0.65 ms here,
/// most of it loading and preparing this assembly's code.
/// </summary>
internal sealed class SharedObjectsRehearsal : IStandbyPreparation
{
    public void Prepare()
    {
        using SharedMemory block = SharedMemory.Create(4096);
        using (SharedMemory.Attach(block.Name))
        {
        }
        block.Unlink();
    }
}
