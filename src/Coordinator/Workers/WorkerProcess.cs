using Actors.Runtime.Lane;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Workers;

/// <summary>
/// One worker slot: starts its process (here, or through a host agent on another machine), hands it the key, waits
/// for it to register, notices its death at once (the process exit event, or the host agent's report of it), and
/// restarts it within the restart policy. A slot whose host left the cluster waits, <see cref="WorkerState.Disconnected"/>,
/// until the host joins again.
/// </summary>
/// <remarks>Its process is started by a launcher (a child here, or a host agent's process), replaced by <see cref="Rejoin"/> when a host comes back.</remarks>
internal sealed partial class WorkerProcess(string name, Func<string, CancellationToken, Task<WorkerHandle>> launch, string bootstrap, Task<Akka.Actor.ActorSystem> coordinatorNode,
    CoordinatorOptions options, ILogger logger)
{
    private volatile Func<string, CancellationToken, Task<WorkerHandle>> _launch = launch;
    private readonly Queue<long> _restartTimes = new();
    private TaskCompletionSource<LaneConnection> _joined = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<Akka.Actor.IActorRef> _agent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerHandle? _process;
    private Task _exited = Task.CompletedTask;
    private int _uid;
    private volatile bool _stopping;
    private volatile bool _recycling;
    private volatile WorkerInfo _info = new(name, 0, Environment.MachineName, 0, WorkerState.Starting, 0, null);

    public string Name => name;

    /// <summary>The host agent this slot's processes are started by, or null for a local worker.</summary>
    public string? Host
    {
        get;
        init
        {
            field = value;
            _info = _info with { Host = value ?? _info.Host, State = value is null ? _info.State : WorkerState.Disconnected };
        }
    }

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

    /// <summary>The worker's agent on Akka.Remote, which places actors there; null until the current process has said hello.</summary>
    public Akka.Actor.IActorRef? Agent => _agent.Task.IsCompletedSuccessfully ? _agent.Task.Result : null;

    /// <summary>
    /// The current process's agent, once it has said hello over Akka.Remote (a moment after the slot is
    /// <see cref="WorkerState.Running"/>); cancelled when the slot stops.
    /// </summary>
    public Task<Akka.Actor.IActorRef> AgentAsync => _agent.Task;

    /// <summary>Completes when the process is registered; throws <see cref="WorkerStartException"/> otherwise, leaving no process behind.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _joined = new TaskCompletionSource<LaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _agent = new TaskCompletionSource<Akka.Actor.IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task deadline = Task.Delay(options.StartupTimeout, cancellationToken);
        Task<WorkerHandle> starting = _launch(name, cancellationToken);
        if (await Task.WhenAny(starting, deadline).ConfigureAwait(false) != starting)
        {
            _ = starting.ContinueWith(t => t.Result.Kill(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            cancellationToken.ThrowIfCancellationRequested();
            throw new WorkerStartException($"{name} was not started within {options.StartupTimeout}{(Host is null ? "" : $" by its host {Host}")}.");
        }
        WorkerHandle process;
        try
        {
            process = await starting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not WorkerStartException and not OperationCanceledException)
        {
            throw new WorkerStartException($"Cannot start {name}{(Host is null ? "" : $" on its host {Host}")}: {ex.Message}", ex);
        }
        _process = process;
        Update(_info with { Pid = process.Pid, State = _info.Restarts == 0 ? WorkerState.Starting : WorkerState.Restarting });
        Task<int> exited = process.Exited;
        _exited = exited;
        await process.WriteLineAsync(bootstrap, cancellationToken).ConfigureAwait(false);
        // The worker starts its actor system now; it needs the coordinator's address only to announce itself.
        Task firstDone = await Task.WhenAny(coordinatorNode, exited, deadline).ConfigureAwait(false);
        if (firstDone == coordinatorNode && !coordinatorNode.IsCompletedSuccessfully)
        {
            process.Kill();
            throw new WorkerStartException($"{name} was stopped: the coordinator's own actor system did not start.", coordinatorNode.Exception?.InnerException);
        }
        if (firstDone == coordinatorNode)
        {
            await process.WriteLineAsync(Runtime.Nodes.NodeSystem.AddressOf(coordinatorNode.Result).ToString(), cancellationToken).ConfigureAwait(false);
        }
        // Ready for the Pool once its lane has joined; its agent's hello over Akka.Remote (the worker opens that TLS
        // association, a few hundred ms more of start-up) is awaited only by what needs it (AgentAsync).
        Task<LaneConnection> registered = _joined.Task;
        Task winner = await Task.WhenAny(registered, exited, deadline).ConfigureAwait(false);
        if (winner == registered && registered.IsCompletedSuccessfully)
        {
            Lane = await registered.ConfigureAwait(false);
            Update(_info with { Host = Lane.Peer.Host, Cores = Lane.Peer.Cores, State = WorkerState.Running });
            _ = WatchLaneAsync(Lane, process);
            _ = MonitorAsync(process, exited);
            return;
        }
        if (winner == exited)
        {
            if (process.HostLost is { } lost)
            {
                throw new WorkerStartException($"{name} was lost during start-up: {lost}.");
            }
            string how = DescribeExit(exited.Result);
            Update(WithExit(_info, exited.Result));
            throw new WorkerStartException($"{name} (pid {process.Pid}) exited during start-up ({how}); its output above says why.");
        }
        process.Kill();
        cancellationToken.ThrowIfCancellationRequested();
        throw new WorkerStartException($"{name} (pid {process.Pid}) did not connect and pass the key challenge within {options.StartupTimeout}; it was killed.");
    }

    /// <summary>
    /// The slot's host joined the cluster again (a new member, with a new agent): the slot starts a process there, unless
    /// one is running already.
    /// </summary>
    public async Task Rejoin(Func<string, CancellationToken, Task<WorkerHandle>> launcher)
    {
        _launch = launcher;
        if (_stopping || (_process is not null && _info.State != WorkerState.Disconnected))
        {
            return;
        }
        _restartTimes.Clear();
        try
        {
            await StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (WorkerStartException ex)
        {
            LogRestartFailed(logger, ex, name);
            Update(_info with { State = WorkerState.Disconnected, LastExit = ex.Message });
        }
    }

    public void OnJoined(LaneConnection lane) => _joined.TrySetResult(lane);

    /// <summary>The worker's agent announced itself over Akka.Remote (only the current process counts).</summary>
    public void OnHello(WorkerHello hello, Akka.Actor.IActorRef agent)
    {
        if (_process is { } process && process.Pid == hello.Pid)
        {
            _uid = hello.Uid;
            _agent.TrySetResult(agent);
        }
    }

    /// <summary>A lane lost while its process may still run (hung, or cut off): the process is killed, so it is restarted.</summary>
    private async Task WatchLaneAsync(LaneConnection lane, WorkerHandle process)
    {
        await lane.Lost.ConfigureAwait(false);
        if (!_stopping && !process.Exited.IsCompleted)
        {
            process.Kill();
        }
    }

    private async Task MonitorAsync(WorkerHandle process, Task<int> exited)
    {
        int code = await exited.ConfigureAwait(false);
        _agent.TrySetCanceled(); // a spawn still waiting for this process's hello fails now
        if (process.HostLost is { } lost)
        {
            // Its host left the cluster: nothing to restart until the host joins again (Rejoin).
            if (Agent is { } gone)
            {
                Runtime.Nodes.NodeSystem.DeclareGone(coordinatorNode.Result, gone.Path.Address, _uid);
            }
            Lane?.MarkLost($"{name}'s host {Host} was lost ({lost})");
            Update(_info with { State = _stopping ? WorkerState.Stopped : WorkerState.Disconnected, LastExit = lost });
            if (!_stopping)
            {
                LogHostLost(logger, name, lost);
            }
            return;
        }
        string how = DescribeExit(code);
        Update(WithExit(_info, code) with { State = _stopping ? WorkerState.Stopped : WorkerState.Restarting });
        // The connection normally ends at the same moment (end of stream), after every reply the worker
        // sent has been read; only if it does not, the exit itself declares the node lost.
        if (Agent is { } agent)
        {
            // Akka's own remote death watch waits for its failure detector; the exit is certain now.
            Runtime.Nodes.NodeSystem.DeclareGone(coordinatorNode.Result, agent.Path.Address, _uid);
        }
        if (Lane is { } lane)
        {
            _ = Task.Delay(500).ContinueWith(_ => lane.MarkLost($"its process {process.Pid} exited ({how})"), TaskScheduler.Default);
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
            LogWorkerDied(logger, name, process.Pid, how);
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
    public async Task Recycle()
    {
        await HelloSettledAsync().ConfigureAwait(false);
        if (!_stopping && _process is { } process)
        {
            _recycling = true;
            process.Kill();
        }
        await _exited.ConfigureAwait(false);
    }

    /// <summary>How long a kill waits for a running process's hello still on its way (a worker killed right after it started).</summary>
    private static readonly TimeSpan HelloGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Completes once a running process's hello over Akka.Remote has arrived, at most <see cref="HelloGrace"/> later. A process
    /// killed or stopped during its TLS handshake with this node would have that handshake logged here as an error.
    /// </summary>
    public Task HelloSettledAsync() => _info.State == WorkerState.Running && !_agent.Task.IsCompleted
        ? Task.WhenAny(_agent.Task, Task.Delay(HelloGrace))
        : Task.CompletedTask;

    /// <summary>Kills the current process at once, for good (the pool was terminated); completes when it has exited.</summary>
    public async Task KillAsync()
    {
        _stopping = true;
        await HelloSettledAsync().ConfigureAwait(false);
        _joined.TrySetCanceled();
        _agent.TrySetCanceled();
        _process?.Kill();
        await _exited.ConfigureAwait(false);
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
        if (await Task.WhenAny(process.Exited, Task.Delay(options.StopGracePeriod)).ConfigureAwait(false) != process.Exited)
        {
            process.Kill();
            // A host's worker whose host is unreachable is not waited for: the host agent stops it when it loses the coordinator.
            await Task.WhenAny(process.Exited, Task.Delay(Host is null ? Timeout.InfiniteTimeSpan : options.StopGracePeriod)).ConfigureAwait(false);
        }
        Update(_info with { State = WorkerState.Stopped });
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {Name} is disconnected: {Reason}; it starts again when its host joins again")]
    private static partial void LogHostLost(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Worker {Name} restarted as pid {Pid}")]
    private static partial void LogWorkerRestarted(ILogger logger, string name, int pid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting worker {Name} failed")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception, string name);

    [LoggerMessage(Level = LogLevel.Error, Message = "Worker {Name} died more than {MaxRestarts} times within {Window}; it is reported as failed and not restarted")]
    private static partial void LogWorkerFailed(ILogger logger, string name, int maxRestarts, TimeSpan window);
}
