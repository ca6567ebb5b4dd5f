using System.ComponentModel;
using System.Diagnostics;
using Actors.Runtime.Lane;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Workers;

/// <summary>
/// One worker slot: starts its process, hands it the key, waits for it to register, notices its death
/// at once (the process exit event), and restarts it within the restart policy.
/// </summary>
internal sealed partial class WorkerProcess(string name, WorkerLaunch launch, string bootstrap, Task<Akka.Actor.ActorSystem> coordinatorNode, CoordinatorOptions options, ILogger logger)
{
    private readonly Queue<long> _restartTimes = new();
    private TaskCompletionSource<LaneConnection> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<Akka.Actor.IActorRef> _agent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private Task _exited = Task.CompletedTask;
    private int _uid;
    private volatile bool _stopping;
    private volatile bool _recycling;
    private volatile WorkerInfo _info = new(name, 0, Environment.MachineName, 0, WorkerState.Starting, 0, null);

    public string Name => name;

    public WorkerInfo Info => _info;

    /// <summary>Raised after every change of <see cref="Info"/> (a new pid, a state, an exit), on the thread that made it.</summary>
    public event Action<WorkerInfo>? Changed;

    private void Update(WorkerInfo info)
    {
        _info = info;
        Changed?.Invoke(info);
    }

    /// <summary>The lane of the current process: the Pool's chunks and results travel on it.</summary>
    public LaneConnection? Lane { get; private set; }

    /// <summary>The worker's agent on Akka.Remote, which places actors there.</summary>
    public Akka.Actor.IActorRef? Agent { get; private set; }

    /// <summary>Completes when the process is registered; throws <see cref="WorkerStartException"/> otherwise, leaving no process behind.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _joined = new TaskCompletionSource<LaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _agent = new TaskCompletionSource<Akka.Actor.IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        ProcessStartInfo startInfo = launch.StartInfo(name);
        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new WorkerStartException($"Starting {name} returned no process.");
        }
        catch (Win32Exception ex)
        {
            throw new WorkerStartException($"Cannot start {name}: '{startInfo.FileName}' could not be run ({ex.Message}).", ex);
        }
        _process = process;
        Update(_info with { Pid = process.Id, State = _info.Restarts == 0 ? WorkerState.Starting : WorkerState.Restarting });
        Task exited = process.WaitForExitAsync(CancellationToken.None);
        _exited = exited;
        Task deadline = Task.Delay(options.StartupTimeout, cancellationToken);
        await WriteLineAsync(process, bootstrap, cancellationToken).ConfigureAwait(false);
        // The worker starts its actor system now; it needs the coordinator's address only to announce itself.
        Task firstDone = await Task.WhenAny(coordinatorNode, exited, deadline).ConfigureAwait(false);
        if (firstDone == coordinatorNode && !coordinatorNode.IsCompletedSuccessfully)
        {
            Kill(process);
            throw new WorkerStartException($"{name} was stopped: the coordinator's own actor system did not start.", coordinatorNode.Exception?.InnerException);
        }
        if (firstDone == coordinatorNode)
        {
            await WriteLineAsync(process, Runtime.Nodes.NodeSystem.AddressOf(coordinatorNode.Result).ToString(), cancellationToken).ConfigureAwait(false);
        }
        Task registered = Task.WhenAll(_joined.Task, _agent.Task);
        Task winner = await Task.WhenAny(registered, exited, deadline).ConfigureAwait(false);
        if (winner == registered && registered.IsCompletedSuccessfully)
        {
            Lane = await _joined.Task.ConfigureAwait(false);
            Agent = await _agent.Task.ConfigureAwait(false);
            Update(_info with { Host = Lane.Peer.Host, Cores = Lane.Peer.Cores, State = WorkerState.Running });
            _ = WatchLaneAsync(Lane, process);
            _ = MonitorAsync(process, exited);
            return;
        }
        if (winner == exited)
        {
            string how = DescribeExit(process.ExitCode);
            Update(WithExit(_info, process.ExitCode));
            throw new WorkerStartException($"{name} (pid {process.Id}) exited during start-up ({how}); its output above says why.");
        }
        Kill(process);
        cancellationToken.ThrowIfCancellationRequested();
        throw new WorkerStartException($"{name} (pid {process.Id}) did not connect and pass the key challenge within {options.StartupTimeout}; it was killed.");
    }

    /// <summary>Writes a line to the worker's standard input; a worker that died before reading it is told apart by its exit.</summary>
    private static async Task WriteLineAsync(Process process, string line, CancellationToken cancellationToken)
    {
        try
        {
            await process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // It died before reading this; the exit says how.
        }
    }

    public void OnJoined(LaneConnection lane) => _joined.TrySetResult(lane);

    /// <summary>The worker's agent announced itself over Akka.Remote (only the current process counts).</summary>
    public void OnHello(WorkerHello hello, Akka.Actor.IActorRef agent)
    {
        if (_process is { } process && process.Id == hello.Pid)
        {
            _uid = hello.Uid;
            _agent.TrySetResult(agent);
        }
    }

    /// <summary>A lane lost while its process may still run (hung, or cut off): the process is killed, so it is restarted.</summary>
    private async Task WatchLaneAsync(LaneConnection lane, Process process)
    {
        await lane.Lost.ConfigureAwait(false);
        if (!_stopping && !process.HasExited)
        {
            Kill(process);
        }
    }

    private async Task MonitorAsync(Process process, Task exited)
    {
        await exited.ConfigureAwait(false);
        string how = DescribeExit(process.ExitCode);
        Update(WithExit(_info, process.ExitCode) with { State = _stopping ? WorkerState.Stopped : WorkerState.Restarting });
        // The connection normally ends at the same moment (end of stream), after every reply the worker
        // sent has been read; only if it does not, the exit itself declares the node lost.
        if (Agent is { } agent)
        {
            // Akka's own remote death watch waits for its failure detector; the exit is certain now.
            Runtime.Nodes.NodeSystem.DeclareGone(coordinatorNode.Result, agent.Path.Address, _uid);
        }
        if (Lane is { } lane)
        {
            _ = Task.Delay(500).ContinueWith(_ => lane.MarkLost($"its process {process.Id} exited ({how})"), TaskScheduler.Default);
        }
        if (_stopping)
        {
            Update(_info with { State = WorkerState.Stopped });
            return;
        }
        if (_recycling)
        {
            _recycling = false;
            Update(_info with { State = WorkerState.Restarting });
            try
            {
                await StartAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (WorkerStartException ex)
            {
                LogRestartFailed(logger, ex, name); // then the restart policy below takes over
            }
        }
        else
        {
            LogWorkerDied(logger, name, process.Id, how);
        }
        while (!_stopping && AllowRestart())
        {
            Update(_info with { State = WorkerState.Restarting, Restarts = _info.Restarts + 1 });
            try
            {
                await StartAsync(CancellationToken.None).ConfigureAwait(false);
                LogWorkerRestarted(logger, name, _info.Pid);
                return;
            }
            catch (WorkerStartException ex)
            {
                LogRestartFailed(logger, ex, name);
            }
        }
        if (!_stopping)
        {
            Update(_info with { State = WorkerState.Failed });
            LogWorkerFailed(logger, name, options.MaxRestarts, options.RestartWindow);
        }
    }

    private bool AllowRestart()
    {
        long now = Environment.TickCount64;
        while (_restartTimes.TryPeek(out long oldest) && now - oldest > (long)options.RestartWindow.TotalMilliseconds)
        {
            _restartTimes.Dequeue();
        }
        if (_restartTimes.Count >= options.MaxRestarts)
        {
            return false;
        }
        _restartTimes.Enqueue(now);
        return true;
    }

    /// <summary>Kills the current process on purpose; it is restarted without counting against the restart policy.</summary>
    /// <returns>Completes when the killed process has exited.</returns>
    public Task Recycle()
    {
        if (!_stopping && _process is { } process)
        {
            _recycling = true;
            Kill(process);
        }
        return _exited;
    }

    /// <summary>Kills the current process at once, for good (the pool was terminated); completes when it has exited.</summary>
    public Task KillAsync()
    {
        _stopping = true;
        _joined.TrySetCanceled();
        _agent.TrySetCanceled();
        if (_process is { } process)
        {
            Kill(process);
        }
        return _exited;
    }

    /// <summary>Waits for the process to exit on its own (its connection was closed), then kills it.</summary>
    public async Task StopAsync()
    {
        _stopping = true;
        _joined.TrySetCanceled();
        _agent.TrySetCanceled();
        if (_process is not { } process)
        {
            return;
        }
        try
        {
            using var grace = new CancellationTokenSource(options.StopGracePeriod);
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        Update(_info with { State = WorkerState.Stopped });
        process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }

    /// <summary>The snapshot with how its process ended: the text, and the exit code or the signal.</summary>
    internal static WorkerInfo WithExit(WorkerInfo info, int code) => code is > 128 and < 160
        ? info with { LastExit = DescribeExit(code), ExitCode = null, Signal = code - 128 }
        : info with { LastExit = DescribeExit(code), ExitCode = code, Signal = null };

    /// <summary>On Unix a child killed by signal N reports exit code 128 + N.</summary>
    internal static string DescribeExit(int code) => code switch
    {
        > 128 and < 160 => $"killed by signal {code - 128}{SignalName(code - 128)}",
        _ => $"exit code {code}",
    };

    private static string SignalName(int signal) => signal switch
    {
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Name} (pid {Pid}) died: {How}")]
    private static partial void LogWorkerDied(ILogger logger, string name, int pid, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Name} restarted as pid {Pid}")]
    private static partial void LogWorkerRestarted(ILogger logger, string name, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting worker {Name} failed")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {Name} died more than {MaxRestarts} times within {Window}; it is reported as failed and not restarted")]
    private static partial void LogWorkerFailed(ILogger logger, string name, int maxRestarts, TimeSpan window);
}
