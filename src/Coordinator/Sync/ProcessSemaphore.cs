using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Semaphore</c>: a counter shared by every process of the program; acquiring takes one
/// (waiting while it is zero), releasing gives one back. It has no holder: any thread of any process may release it,
/// and a process that dies after acquiring does not give its unit back (as in CPython).
/// </summary>
public class ProcessSemaphore : IProcessShared<ProcessSemaphore>, IDisposable
{
    private const int ValueField = 0;
    private const int BoundField = 4;

    private readonly bool _created;
    private Action? _release;

    /// <summary>Creates a semaphore whose counter starts at <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public ProcessSemaphore(int value = 1) : this(value, bounded: false) { }

    private protected ProcessSemaphore(int value, bool bounded)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(value)); // CPython: "semaphore initial value must be >= 0"
        Block = SharedBlock.Create(SharedKind.Semaphore, 8);
        Block.Field<int>(ValueField) = value;
        Block.Field<int>(BoundField) = bounded ? value : -1;
        _created = true;
    }

    private protected ProcessSemaphore(string handle)
    {
        Block = SharedBlock.Attach(handle, SharedKind.Semaphore);
    }

    private protected SharedBlock Block { get; }

    string IProcessShared.Handle => Block.Path;

    static ProcessSemaphore IProcessShared<ProcessSemaphore>.Attach(string handle) => new(handle);

    /// <summary>Waits as long as it takes for a unit, and takes it.</summary>
    public void Acquire() => Acquire(Timeout.InfiniteTimeSpan);

    /// <summary>Waits at most <paramref name="timeout"/> for a unit; false if none came (the wait is never shorter).</summary>
    public bool Acquire(TimeSpan timeout) => Take(Posix.Deadline(timeout));

    /// <summary>Takes a unit if one is there (CPython's <c>acquire(False)</c>).</summary>
    public bool TryAcquire() => Take(0);

    /// <summary>Gives <paramref name="count"/> units back, waking as many waiters.</summary>
    /// <exception cref="SemaphoreFullException">A bounded semaphore would go above its initial value.</exception>
    public void Release(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(count));
        SharedMonitor monitor = Block.Monitor;
        monitor.Enter();
        ref int value = ref Block.Field<int>(ValueField);
        int bound = Block.Field<int>(BoundField);
        if (bound >= 0 && value + count > bound)
        {
            monitor.Exit();
            throw new SemaphoreFullException($"semaphore or lock released too many times: a bounded semaphore never goes above its initial value {bound}");
        }
        value += count;
        monitor.Pulse(count);
        monitor.Exit();
    }

    /// <summary>The counter now (CPython's <c>get_value()</c>).</summary>
    public int GetValue() => Volatile.Read(ref Block.Field<int>(ValueField));

    /// <summary>Acquires a unit and releases it when the scope is disposed.</summary>
    public LockScope EnterScope()
    {
        Acquire();
        return new LockScope(_release ??= () => Release());
    }

    private bool Take(long deadline)
    {
        SharedMonitor monitor = Block.Monitor;
        monitor.Enter();
        ref int value = ref Block.Field<int>(ValueField);
        while (value == 0)
        {
            if (Posix.Now() >= deadline)
            {
                monitor.Exit();
                return false;
            }
            monitor.Wait(deadline);
        }
        value--;
        monitor.Exit();
        return true;
    }

    /// <summary>In the process that created it, removes its shared memory: processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        if (_created)
        {
            Block.Unlink();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// CPython's <c>multiprocessing.BoundedSemaphore</c>: a <see cref="ProcessSemaphore"/> that refuses to be released
/// above its initial value (<see cref="SemaphoreFullException"/>), which catches a release without an acquire.
/// </summary>
public sealed class ProcessBoundedSemaphore : ProcessSemaphore, IProcessShared<ProcessBoundedSemaphore>
{
    /// <summary>Creates a bounded semaphore whose counter starts (and stays at most) at <paramref name="value"/>.</summary>
    public ProcessBoundedSemaphore(int value = 1) : base(value, bounded: true) { }

    private ProcessBoundedSemaphore(string handle) : base(handle) { }

    static ProcessBoundedSemaphore IProcessShared<ProcessBoundedSemaphore>.Attach(string handle) => new(handle);
}
