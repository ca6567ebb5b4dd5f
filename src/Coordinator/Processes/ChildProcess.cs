using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Actors.Coordination.Processes;
using Actors.Runtime.Hosting;
using Actors.Runtime.Serialization;
using Actors.Runtime.Tasks;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Process</c>: runs <c>target(*args)</c> in a new OS process of its own (not on a pooled
/// worker), so its pid, exit code, <see cref="Terminate"/> and <see cref="Kill"/> mean what they mean in Python. Exit
/// codes as CPython reports them on POSIX: 0 when the target returns, 1 when it throws (the exception and its stack on
/// the child's standard error), the code given to <see cref="Environment.Exit"/>, −15 after <see cref="Terminate"/>,
/// −9 after <see cref="Kill"/>. The child's console output appears on this process's. Targets are as for the Pool:
/// static methods, lambdas, closures over serializable values. The child starts no actor system. Named
/// <c>ChildProcess</c> so that it never collides with <see cref="System.Diagnostics.Process"/>.
/// </summary>
/// <remarks>
/// Daemon children are terminated when this app exits; the app waits for the others to finish, as CPython joins
/// them at exit. A daemon child also exits by itself within moments when this app is killed (even with SIGKILL).
/// </remarks>
public class ChildProcess : IDisposable
{
    private const int StateNew = 0, StateStarted = 1, StateClosed = 2;
    private const int SigTerm = 15;

    private readonly Delegate _target;
    private readonly object?[] _arguments;
    private readonly ProcessContext _context;
    private readonly ManualResetEvent _sentinel = new(false);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private System.Diagnostics.Process? _process;
    private string _name;
    private bool _daemon;
    private int _state;
    private int _exitCode; // read only once _hasExited is set (the volatile write publishes it)
    private volatile bool _hasExited;

    /// <summary>A process that will run <c>target(args)</c> once started.</summary>
    /// <param name="target">A static method, lambda or closure over serializable values; its return value is ignored (see <see cref="ChildProcess{TResult}"/>).</param>
    /// <param name="args">The target's arguments; they are serialized at <see cref="Start"/>.</param>
    /// <param name="name">The process's name (CPython's default is <c>Process-N</c>).</param>
    /// <param name="daemon">Whether it is terminated when this app exits (default: this process's own daemon flag, false in the app).</param>
    /// <param name="context">The start method's context (default: <c>spawn</c>); see <see cref="Multiprocessing.GetContext"/>.</param>
    public ChildProcess(Delegate target, object?[]? args = null, string? name = null, bool? daemon = null, ProcessContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _arguments = args ?? [];
        _context = context ?? Multiprocessing.GetContext();
        _name = name ?? ChildRegistry.NextName();
        _daemon = daemon ?? false;
    }

    /// <summary>The process's name; it may be changed until it is closed.</summary>
    public string Name
    {
        get => _name;
        set => _name = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Whether it is terminated when this app exits; set it before <see cref="Start"/>.</summary>
    /// <exception cref="InvalidOperationException">Set after the process started (CPython: "cannot set daemon status of active process").</exception>
    public bool Daemon
    {
        get => _daemon;
        set
        {
            if (_state != StateNew)
            {
                throw new InvalidOperationException("cannot set daemon status of active process");
            }
            _daemon = value;
        }
    }

    /// <summary>The OS process id, or null before <see cref="Start"/>.</summary>
    public int? Pid => _process?.Id;

    /// <summary>Null while it runs (or before it started); then 0, 1, the code it exited with, or −N when signal N ended it.</summary>
    public int? ExitCode => _hasExited ? _exitCode : null;

    /// <summary>True from <see cref="Start"/> until the process has exited.</summary>
    public bool IsAlive
    {
        get
        {
            ThrowIfClosed();
            return _state == StateStarted && !_exited.Task.IsCompleted;
        }
    }

    /// <summary>Signalled once the process has exited (CPython's <c>sentinel</c>): wait on it, alone or with others.</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Start"/> ("process not started").</exception>
    public WaitHandle Sentinel
    {
        get
        {
            ThrowIfClosed();
            return _state == StateStarted ? _sentinel : throw new InvalidOperationException("process not started");
        }
    }

    /// <summary>The start method that starts it: <c>spawn</c> or <c>warm</c>.</summary>
    public string StartMethod => _context.StartMethod;

    /// <summary>The context it was made in.</summary>
    private protected ProcessContext Context => _context;

    /// <summary>Starts the process; the target runs there.</summary>
    /// <exception cref="InvalidOperationException">Started twice ("cannot start a process twice"), or closed.</exception>
    /// <exception cref="PayloadSerializationException">The target captures, or an argument is, something that cannot travel; the message names it.</exception>
    public void Start()
    {
        ThrowIfClosed();
        if (_state != StateNew)
        {
            throw new InvalidOperationException("cannot start a process twice");
        }
        ProcessShared.BeginCollecting();
        (ProcessBootstrap bootstrap, Func<Task>? readResult) result;
        List<IProcessShared> handedOver;
        try
        {
            result = Prepare();
        }
        finally
        {
            handedOver = ProcessShared.EndCollecting();
        }
        (ProcessBootstrap bootstrap, Func<Task>? readResult) = result;
        System.Diagnostics.Process process = _context.Launch(_exited.Task);
        foreach (Connection connection in handedOver.OfType<Connection>())
        {
            connection.ReserveFor(process.Id); // open for this child until it takes its end, or dies (before it can read its bootstrap)
        }
        try
        {
            process.StandardInput.WriteLine(bootstrap.ToLine());
            process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // It died before reading its bootstrap; its exit code says how.
        }
        _process = process;
        _state = StateStarted;
        ChildRegistry.Add(this);
        _ = WatchAsync(process, readResult);
    }

    private (ProcessBootstrap, Func<Task>?) Prepare()
    {
        PayloadSerializer serializer = _context.Serializer;
        System.Reflection.ParameterInfo[] parameters = _target.Method.GetParameters();
        if (parameters.Length != _arguments.Length)
        {
            throw new ArgumentException($"The target {_target.Method.Name} takes {parameters.Length} argument(s); {_arguments.Length} were given.");
        }
        System.Reflection.Assembly[] assemblies = CallAssemblies.Named([_target.Method.DeclaringType, _target.Target?.GetType(), _target.Method.ReturnType,
            .. _arguments.Select(a => a?.GetType()), .. parameters.Select(p => p.ParameterType)]);
        serializer.Trust(assemblies);
        TaskFunction function = TaskFunction.From(_target, serializer); // a capture that cannot travel is named here
        byte[] target;
        try
        {
            target = ((IPayloadSerializer)serializer).Serialize(new ProcessTarget(function, _arguments));
        }
        catch (PayloadSerializationException ex)
        {
            throw NameTheArgument(serializer, parameters, ex);
        }
        (string[] names, string[] locations) = CallAssemblies.Describe(assemblies);
        (string? address, string? key, Func<Task>? readResult) = OpenResultChannel();
        return (new ProcessBootstrap(_name, Multiprocessing.CurrentProcess().Name, _daemon, _context.StartMethod, names, locations, target, address, key), readResult);
    }

    /// <summary>The arguments did not serialize: only now, on the error path, each is tried alone, to name the one at fault.</summary>
    private PayloadSerializationException NameTheArgument(PayloadSerializer serializer, System.Reflection.ParameterInfo[] parameters, PayloadSerializationException failure)
    {
        for (int i = 0; i < _arguments.Length; i++)
        {
            try
            {
                serializer.Serialize(new ArrayBufferWriter<byte>(), _arguments[i], typeof(object));
            }
            catch (PayloadSerializationException ex)
            {
                return new PayloadSerializationException($"The argument '{parameters[i].Name}' of the target {_target.Method.Name} is a {_arguments[i]?.GetType().Name}, which cannot travel to the child process: {ex.Message}", ex);
            }
        }
        return failure;
    }

    /// <summary>Where a typed target's result comes back; none for a plain process.</summary>
    private protected virtual (string? Address, string? Key, Func<Task>? Read) OpenResultChannel() => (null, null, null);

    private async Task WatchAsync(System.Diagnostics.Process process, Func<Task>? readResult)
    {
        Task reading = readResult?.Invoke() ?? Task.CompletedTask;
        await process.WaitForExitAsync().ConfigureAwait(false);
        int code = process.ExitCode;
        // On POSIX a child ended by signal N reports 128 + N; CPython reports -N.
        _exitCode = code is > 128 and < 160 ? -(code - 128) : code;
        await CloseResultChannelAsync(reading).ConfigureAwait(false);
        _hasExited = true; // first: whoever is woken below sees the exit code
        ChildRegistry.Remove(this);
        _sentinel.Set();
        _exited.TrySetResult();
        ChildExits.Ring();
    }

    private protected virtual Task CloseResultChannelAsync(Task reading) => reading;

    /// <summary>Waits until the process has exited, or <paramref name="timeout"/> has passed (then it may still run: check <see cref="ExitCode"/>).</summary>
    /// <exception cref="InvalidOperationException">Not started ("can only join a started process"), or closed.</exception>
    public void Join(TimeSpan? timeout = null)
    {
        ThrowIfNotStarted("can only join a started process");
        Coordination.Pooling.Timeouts.WaitAtLeast(_exited.Task, timeout is { } t && t < TimeSpan.Zero ? TimeSpan.Zero : timeout, CancellationToken.None);
    }

    /// <summary>The asynchronous form of <see cref="Join"/>: true once the process has exited, false after <paramref name="timeout"/>.</summary>
    public async Task<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfNotStarted("can only join a started process");
        try
        {
            await _exited.Task.WaitAsync(timeout is { TotalMilliseconds: < int.MaxValue } given && given >= TimeSpan.Zero ? given : timeout is null ? Timeout.InfiniteTimeSpan : TimeSpan.Zero,
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM (CPython's <c>terminate</c>); the process then reports −15. Nothing happens once it has exited.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends SIGKILL (CPython's <c>kill</c>); even a process spinning in a loop stops, and reports −9.</summary>
    public void Kill()
    {
        ThrowIfClosed();
        if (_state == StateStarted && !_exited.Task.IsCompleted)
        {
            try
            {
                _process!.Kill();
            }
            catch (InvalidOperationException)
            {
                // It has exited already.
            }
        }
    }

    private void Signal(int signal)
    {
        ThrowIfClosed();
        if (_state == StateStarted && !_exited.Task.IsCompleted)
        {
            _ = NativeMethods.SendSignal(_process!.Id, signal);
        }
    }

    /// <summary>Releases the process object's resources (CPython's <c>close</c>); afterwards most members throw.</summary>
    /// <exception cref="InvalidOperationException">The process is still running.</exception>
    public void Close()
    {
        if (_state == StateClosed)
        {
            return;
        }
        if (_state == StateStarted && !_exited.Task.IsCompleted)
        {
            throw new InvalidOperationException("Cannot close a process while it is still running. You should first call join() or terminate().");
        }
        _state = StateClosed;
        _process?.Dispose();
        _sentinel.Dispose();
    }

    /// <summary>Same as <see cref="Close"/> when the process has exited; a running process is left running.</summary>
    public void Dispose()
    {
        if (_state != StateStarted || _exited.Task.IsCompleted)
        {
            Close();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Waits until at least one of <paramref name="processes"/> has exited, at most <paramref name="timeout"/>; returns those that have (CPython's <c>connection.wait</c> over sentinels).</summary>
    public static IReadOnlyList<ChildProcess> Wait(IEnumerable<ChildProcess> processes, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ChildProcess[] all = [.. processes];
        if (all.Length == 0)
        {
            return [];
        }
        Task.WaitAny([.. all.Select(p => p._exited.Task)], timeout is { TotalMilliseconds: < int.MaxValue } t ? t : Timeout.InfiniteTimeSpan);
        return [.. all.Where(p => p._exited.Task.IsCompleted)];
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"<ChildProcess name='{_name}' {(_state == StateNew ? "initial" : ExitCode is { } code ? $"pid={Pid} exitcode={code}" : $"pid={Pid} started")}{(_daemon ? " daemon" : "")}>";

    internal bool HasExited => _exited.Task.IsCompleted;

    private void ThrowIfClosed()
    {
        if (_state == StateClosed)
        {
            throw new InvalidOperationException("process object is closed");
        }
    }

    private void ThrowIfNotStarted(string message)
    {
        ThrowIfClosed();
        if (_state != StateStarted)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>POSIX <c>kill(2)</c>: .NET's Process can send SIGKILL only, and CPython's terminate sends SIGTERM.</summary>
    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int Kill(int pid, int signal);

        public static int SendSignal(int pid, int signal) => Kill(pid, signal);
    }
}
