using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.RLock</c>: a re-entrant lock shared by every process of the program. The thread that
/// holds it may acquire it again, and must release it as many times; only the holder may release it. A process that
/// dies holding it releases it, and the next acquirer gets <see cref="AbandonedMutexException"/>, holding it.
/// </summary>
public sealed class ProcessRLock : IProcessShared<ProcessRLock>, IDisposable
{
    private readonly bool _created;
    private readonly Action _release;

    /// <summary>Creates an unlocked re-entrant lock.</summary>
    public ProcessRLock() : this(OwnedMutex.Create(SharedKind.RLock, recursive: true), created: true) { }

    private ProcessRLock(OwnedMutex mutex, bool created)
    {
        Mutex = mutex;
        _created = created;
        _release = Release;
    }

    internal OwnedMutex Mutex { get; }

    string IProcessShared.Handle => Mutex.Block.Path;

    static ProcessRLock IProcessShared<ProcessRLock>.Attach(string handle) =>
        new(OwnedMutex.Attach(handle, SharedKind.RLock, recursive: true), created: false);

    /// <summary>Waits as long as it takes to acquire the lock (at once if this thread holds it: one more level).</summary>
    /// <exception cref="AbandonedMutexException">Acquired; its previous holder died holding it.</exception>
    public void Acquire() => Mutex.Acquire(long.MaxValue, wait: true);

    /// <summary>Waits at most <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: forever); false if it did not get the lock.</summary>
    /// <exception cref="AbandonedMutexException">Acquired; its previous holder died holding it.</exception>
    public bool Acquire(TimeSpan timeout) => Mutex.Acquire(Posix.Deadline(timeout), wait: true);

    /// <summary>Acquires the lock if it is free (CPython's <c>acquire(False)</c>).</summary>
    public bool TryAcquire() => Mutex.Acquire(0, wait: false);

    /// <summary>Releases one level of the lock.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold it.</exception>
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
