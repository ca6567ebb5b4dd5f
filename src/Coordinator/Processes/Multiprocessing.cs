using Actors.Runtime.Hosting;

namespace Actors;

/// <summary>Who a process is: its name (<c>MainProcess</c> in the app, the child's name in a child) and pid.</summary>
public sealed record ProcessInfo(string Name, int Pid);

/// <summary>
/// CPython's module-level functions of <c>multiprocessing</c>: <c>current_process</c>, <c>parent_process</c>,
/// <c>active_children</c>, <c>cpu_count</c>, <c>get_context</c>, <c>get_all_start_methods</c>, <c>get_start_method</c>.
/// </summary>
public static class Multiprocessing
{
    /// <summary>A fresh process per start (the default).</summary>
    public const string Spawn = "spawn";

    /// <summary>A standby process prepared in advance (forkserver's part): starting costs a few milliseconds.</summary>
    public const string Warm = Actors.Runtime.Hosting.ProcessHost.WarmMethod;

    private static readonly Lazy<ProcessContext> SpawnContext = new(() => new ProcessContext(Spawn));
    private static readonly Lazy<ProcessContext> WarmContext = new(() => new ProcessContext(Warm));

    /// <summary>The start methods there are: <c>spawn</c>, <c>warm</c>.</summary>
    public static IReadOnlyList<string> GetAllStartMethods() => [Spawn, Warm];

    /// <summary>The context of a start method (default <c>spawn</c>); the same one every time.</summary>
    /// <exception cref="ArgumentException">No such start method (CPython: "cannot find context for ...").</exception>
    public static ProcessContext GetContext(string? method = null) => method switch
    {
        null or Spawn => SpawnContext.Value,
        Warm => WarmContext.Value,
        _ => throw new ArgumentException($"cannot find context for '{method}'; the start methods are {string.Join(", ", GetAllStartMethods())}", nameof(method)),
    };

    /// <summary>In a child process, the method that started it; in the app, <c>spawn</c> (the default).</summary>
    public static string GetStartMethod() => Environment.GetEnvironmentVariable(ProcessEnvironment.Method) ?? Spawn;

    /// <summary>This process: <c>MainProcess</c> in the app, a child's own name in a child, a worker's node name on a pool worker.</summary>
    public static ProcessInfo CurrentProcess() => new(Environment.GetEnvironmentVariable(ProcessEnvironment.Name) ?? "MainProcess", Environment.ProcessId);

    /// <summary>The process that started this one, or null in the app itself.</summary>
    public static ProcessInfo? ParentProcess() =>
        int.TryParse(Environment.GetEnvironmentVariable(ProcessEnvironment.ParentPid), System.Globalization.CultureInfo.InvariantCulture, out int pid) && pid > 0
            ? new ProcessInfo(Environment.GetEnvironmentVariable(ProcessEnvironment.ParentName) ?? "MainProcess", pid)
            : null;

    /// <summary>This process's children that are still running (CPython's <c>active_children</c>).</summary>
    public static IReadOnlyList<ChildProcess> ActiveChildren() => Coordination.Processes.ChildRegistry.Alive;

    /// <summary>The number of cores (CPython's <c>cpu_count</c>).</summary>
    public static int CpuCount() => Environment.ProcessorCount;
}
