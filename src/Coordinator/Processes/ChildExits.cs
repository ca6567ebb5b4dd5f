using Actors.Coordination.Sync;
using Actors.Runtime.SharedMemory;

namespace Actors.Coordination.Processes;

/// <summary>
/// A bell this process rings whenever one of its child processes exits, so that one sleep can wait for pipes and
/// processes at once (<see cref="Connection.Wait(IEnumerable{object}, TimeSpan?)"/>): its monitor sleeps beside the
/// pipes' in the same futex_waitv. Process-wide by nature (one per parent process), made on first use.
/// </summary>
internal static class ChildExits
{
    private static readonly Lazy<SharedBlock> Bell = new(() => SharedBlock.Create(SharedKind.Event, 8), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The monitor a child's exit pulses.</summary>
    public static SharedMonitor Monitor => Bell.Value.Monitor;

    /// <summary>Wakes every wait that includes a process (only if one has ever begun: otherwise there is no one to wake).</summary>
    public static void Ring()
    {
        if (Bell.IsValueCreated)
        {
            SharedMonitor monitor = Bell.Value.Monitor;
            monitor.Enter();
            monitor.PulseAll();
            monitor.Exit();
        }
    }
}
