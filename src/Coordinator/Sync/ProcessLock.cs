using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Lock</c>: a lock that threads of every process of the program share, passed to a
/// Pool task or a child process as an argument. Not re-entrant. It belongs to the thread that acquired it, as a .NET
/// <see cref="Mutex"/> does (CPython lets another process release it; here that throws): in exchange, a process that
/// dies holding it does not block everyone forever: the lock is released and the next acquirer gets
/// <see cref="AbandonedMutexException"/>, holding the lock. Uncontended acquire and release cost no system call.
/// </summary>
public sealed class ProcessLock : IProcessShared<ProcessLock>, IDisposable
{
    private readonly bool _created;
    private readonly Action _release;

    /// <summary>Creates an unlocked lock.</summary>
    public ProcessLock() : this(OwnedMutex.Create(SharedKind.Lock, recursive: false), created: true) { }

    private ProcessLock(OwnedMutex mutex, bool created)
    {
        Mutex = mutex;
        _created = created;
        _release = Release;
    }

    internal OwnedMutex Mutex { get; }

    string IProcessShared.Handle => Mutex.Block.Path;

    static ProcessLock IProcessShared<ProcessLock>.Attach(string handle) =>
        new(OwnedMutex.Attach(handle, SharedKind.Lock, recursive: false), created: false);

    /// <summary>Waits as long as it takes to acquire the lock.</summary>
    /// <exception cref="LockRecursionException">This thread holds it already (CPython would wait forever).</exception>
    /// <exception cref="AbandonedMutexException">Acquired; its previous holder died holding it.</exception>
    public void Acquire() => Mutex.Acquire(long.MaxValue, wait: true);

    /// <summary>Waits at most <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: forever); false if it did not get the lock.</summary>
    /// <exception cref="AbandonedMutexException">Acquired; its previous holder died holding it.</exception>
    public bool Acquire(TimeSpan timeout) => Mutex.Acquire(Posix.Deadline(timeout), wait: true);

    /// <summary>Acquires the lock if it is free (CPython's <c>acquire(False)</c>).</summary>
    public bool TryAcquire() => Mutex.Acquire(0, wait: false);

    /// <summary>Releases the lock.</summary>
    /// <exception cref="SynchronizationLockException">It is not locked, or another thread or process holds it.</exception>
    public void Release() => Mutex.Release();

    /// <summary>Acquires the lock and releases it when the scope is disposed: CPython's <c>with lock:</c>.</summary>
    public LockScope EnterScope()
    {
        Acquire();
        return new LockScope(_release);
    }

    /// <summary>In the process that created it, removes its shared memory: processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        if (_created)
        {
            Mutex.Block.Unlink();
        }
    }
}
