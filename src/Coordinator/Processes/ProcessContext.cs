using System.Globalization;
using System.Reflection;
using Actors.Coordination.Workers;
using Actors.Runtime.Hosting;

namespace Actors;

/// <summary>
/// A start method and the processes made with it (CPython's context from <c>get_context</c>). <c>spawn</c> starts a
/// fresh process for each <see cref="ChildProcess.Start"/>. <c>warm</c> plays forkserver's part: a standby process is
/// started in advance, with the runtime loaded, and waits; <c>Start</c> hands it its target, which costs a few
/// milliseconds, and another standby is prepared in the background. One context per method, for the whole app.
/// </summary>
public sealed class ProcessContext
{
    /// <summary>How long a warm start waits at most for its child to exit before it prepares the next standby.</summary>
    private static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(100);

    private readonly Lazy<ChildLaunch> _launch = new(() => ChildLaunch.Create(null));
    private System.Diagnostics.Process? _standby; // warm only: the next child, started and waiting for its bootstrap

    internal ProcessContext(string startMethod)
    {
        StartMethod = startMethod;
        if (startMethod == Multiprocessing.Warm)
        {
            Actors.Runtime.Hosting.ExitHooks.Add(DropStandby);
            Refill();
        }
    }

    /// <summary><c>spawn</c> or <c>warm</c>.</summary>
    public string StartMethod { get; }

    /// <summary>A process of this start method (CPython's <c>ctx.Process(...)</c>).</summary>
    public ChildProcess Process(Delegate target, object?[]? args = null, string? name = null, bool? daemon = null) => new(target, args, name, daemon, this);

    /// <summary>A process of this start method whose target returns a value.</summary>
    public ChildProcess<TResult> Process<TResult>(Delegate target, object?[]? args = null, string? name = null, bool? daemon = null) => new(target, args, name, daemon, this);

    /// <summary>Encodes the targets of this context's processes; it trusts the app assemblies each target names.</summary>
    internal PayloadSerializer Serializer { get; } = new();

    /// <summary>
    /// A child process ready for its bootstrap: a standby (warm) or a fresh one. The next standby is prepared once the
    /// child has <paramref name="exited"/> or <see cref="RefillDelay"/> has passed, whichever comes first: preparing one
    /// costs about 100 ms of CPU, which on a machine with few cores would slow the start of the child it replaces.
    /// </summary>
    internal System.Diagnostics.Process Launch(Task exited)
    {
        if (StartMethod != Multiprocessing.Warm)
        {
            return StartChild();
        }
        System.Diagnostics.Process? ready = Interlocked.Exchange(ref _standby, null);
        if (ready is null || ready.HasExited)
        {
            ready?.Dispose();
            ready = StartChild();
        }
        _ = Task.WhenAny(exited, Task.Delay(RefillDelay)).ContinueWith(_ => Refill(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return ready;
    }

    private System.Diagnostics.Process StartChild(bool standby = false) =>
        System.Diagnostics.Process.Start(_launch.Value.StartInfo([ProcessHost.Argument, "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            .. standby ? new[] { ProcessHost.StandbyArgument, ProcessHost.PreloadArgument, Preload } : []]))
        ?? throw new InvalidOperationException("The child process could not be started.");

    /// <summary>What a standby loads in advance: this assembly and the app's entry assembly (CPython's forkserver preloads <c>__main__</c>).</summary>
    private static string Preload => string.Join(';', new[] { typeof(ProcessContext).Assembly, Assembly.GetEntryAssembly() }.OfType<Assembly>().Select(a => a.GetName().Name));

    /// <summary>Prepares the next standby in the background, unless one is waiting already.</summary>
    private void Refill() => _ = Task.Run(() =>
    {
        if (Volatile.Read(ref _standby) is not null)
        {
            return;
        }
        System.Diagnostics.Process next = StartChild(standby: true);
        if (Interlocked.CompareExchange(ref _standby, next, null) is not null)
        {
            Release(next); // another refill won
        }
    });

    private void DropStandby()
    {
        if (Interlocked.Exchange(ref _standby, null) is { } standby)
        {
            Release(standby);
        }
    }

    /// <summary>A standby that is not needed: end of file on its standard input, and it exits without running anything.</summary>
    private static void Release(System.Diagnostics.Process standby)
    {
        try
        {
            standby.StandardInput.Close();
            if (!standby.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                standby.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // gone already
        }
        standby.Dispose();
    }
}
