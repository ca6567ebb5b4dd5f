namespace Actors.Runtime.Hosting;

/// <summary>Code of a product assembly that a warm standby child runs once before it waits for its target.</summary>
internal interface IStandbyPreparation
{
    /// <summary>Runs, once, what children commonly do first, so that its code is loaded and compiled in advance.</summary>
    void Prepare();
}

/// <summary>
/// Names, on an assembly a standby preloads, its <see cref="IStandbyPreparation"/>: the standby runs it after loading
/// the assembly, as CPython's forkserver imports its preload modules (and runs their top-level code) in advance.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly)]
internal sealed class StandbyPreparationAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}
