using System.Collections.Concurrent;

namespace Actors.Coordination.Processes;

/// <summary>
/// This process's children (CPython keeps the same set, <c>_children</c>): for <see cref="Multiprocessing.ActiveChildren"/>,
/// their default names, and what happens at exit: daemon children are terminated, then the app waits for every child,
/// as CPython's exit handler does. Process-wide by nature, as the OS process's children are.
/// </summary>
internal static class ChildRegistry
{
    private static readonly ConcurrentDictionary<ChildProcess, bool> Active = new();
    private static int s_created;

    static ChildRegistry() => Actors.Runtime.Hosting.ExitHooks.Add(AtExit);

    /// <summary>CPython's default name: Process-1, Process-2, ...</summary>
    public static string NextName() => $"Process-{Interlocked.Increment(ref s_created)}";

    public static void Add(ChildProcess child) => Active[child] = true;

    public static void Remove(ChildProcess child) => Active.TryRemove(child, out _);

    public static IReadOnlyList<ChildProcess> Alive => [.. Active.Keys.Where(c => !c.HasExited)];

    private static void AtExit()
    {
        foreach (ChildProcess child in Alive.Where(c => c.Daemon))
        {
            child.Terminate();
        }
        foreach (ChildProcess child in Alive)
        {
            child.Join();
        }
    }
}
