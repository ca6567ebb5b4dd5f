using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Condition</c>: waiters in any process sleep until a holder of its lock notifies them.
/// Made over a <see cref="ProcessRLock"/> (the default, as in CPython) or a <see cref="ProcessLock"/>; waiting and
/// notifying need that lock held. <see cref="Notify"/>(n) wakes at most n waiters; a wait that times out returns false.
/// </summary>
public sealed class ProcessCondition : IProcessShared<ProcessCondition>, IDisposable
{
    private const int WaitingField = 0; // waiters not yet granted a wake-up
    private const int GrantedField = 4; // wake-ups granted and not yet taken

    private readonly SharedBlock _block;
    private readonly OwnedMutex _lock;
    private readonly bool _recursive;
    private readonly bool _created;

    /// <summary>Creates a condition over a new <see cref="ProcessRLock"/>.</summary>
    public ProcessCondition() : this(new ProcessRLock()) { }

    /// <summary>Creates a condition over <paramref name="lock"/>.</summary>
    public ProcessCondition(ProcessRLock @lock) : this(Checked(@lock).Mutex, recursive: true) { }

    /// <summary>Creates a condition over <paramref name="lock"/>.</summary>
    public ProcessCondition(ProcessLock @lock) : this(Checked(@lock).Mutex, recursive: false) { }

    private ProcessCondition(OwnedMutex @lock, bool recursive)
    {
        _block = SharedBlock.Create(SharedKind.Condition, 8);
        _lock = @lock;
        _recursive = recursive;
        _created = true;
    }

    private ProcessCondition(SharedBlock block, OwnedMutex @lock, bool recursive)
    {
        _block = block;
        _lock = @lock;
        _recursive = recursive;
    }

    string IProcessShared.Handle => $"{_block.Path}\n{(_recursive ? 'R' : 'L')}{_lock.Block.Path}";

    static ProcessCondition IProcessShared<ProcessCondition>.Attach(string handle)
    {
        string[] parts = handle.Split('\n');
        if (parts.Length != 2 || parts[1].Length < 2 || parts[1][0] is not ('R' or 'L'))
        {
            throw new ArgumentException("not a condition's handle", nameof(handle));
        }
        bool recursive = parts[1][0] == 'R';
        OwnedMutex @lock = OwnedMutex.Attach(parts[1][1..], recursive ? SharedKind.RLock : SharedKind.Lock, recursive);
        return new ProcessCondition(SharedBlock.Attach(parts[0], SharedKind.Condition), @lock, recursive);
    }

    /// <summary>Acquires the underlying lock.</summary>
    public void Acquire() => _lock.Acquire(long.MaxValue, wait: true);

    /// <summary>Acquires the underlying lock, waiting at most <paramref name="timeout"/>.</summary>
    public bool Acquire(TimeSpan timeout) => _lock.Acquire(Posix.Deadline(timeout), wait: true);

    /// <summary>Releases the underlying lock.</summary>
    public void Release() => _lock.Release();

    /// <summary>Holds the underlying lock until the scope is disposed: CPython's <c>with cond:</c>.</summary>
    public LockScope EnterScope()
    {
        Acquire();
        return new LockScope(Release);
    }

    /// <summary>Releases the lock, sleeps until notified, and holds the lock again (as many levels as before).</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public void Wait() => Wait(Timeout.InfiniteTimeSpan);

    /// <summary>As <see cref="Wait()"/>, for at most <paramref name="timeout"/>; false if no notification came (the wait is never shorter).</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public bool Wait(TimeSpan timeout)
    {
        long deadline = Posix.Deadline(timeout);
        if (!_lock.IsMine)
        {
            throw new SynchronizationLockException("cannot wait on un-acquired lock");
        }
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        _block.Field<int>(WaitingField)++; // counted while the lock is held, so a notifier after us sees us
        monitor.Exit();
        int levels = _lock.ReleaseAll();
        bool notified = false;
        monitor.Enter();
        while (true)
        {
            ref int granted = ref _block.Field<int>(GrantedField);
            if (granted > 0)
            {
                granted--;
                notified = true;
                break;
            }
            if (Posix.Now() >= deadline)
            {
                _block.Field<int>(WaitingField)--;
                break;
            }
            monitor.Wait(deadline);
        }
        monitor.Exit();
        _lock.Restore(levels);
        return notified;
    }

    /// <summary>Waits until <paramref name="predicate"/> is true or <paramref name="timeout"/> passes; returns the predicate's last value.</summary>
    public bool WaitFor(Func<bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        long deadline = Posix.Deadline(timeout ?? Timeout.InfiniteTimeSpan);
        bool result = predicate();
        while (!result)
        {
            long left = deadline - Posix.Now();
            if (deadline != long.MaxValue && left <= 0)
            {
                break;
            }
            Wait(deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(left / 100 + 1));
            result = predicate();
        }
        return result;
    }

    /// <summary>Wakes at most <paramref name="count"/> waiters.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold the lock.</exception>
    public void Notify(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(count));
        if (!_lock.IsMine)
        {
            throw new SynchronizationLockException("cannot notify on un-acquired lock");
        }
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        ref int waiting = ref _block.Field<int>(WaitingField);
        int woken = Math.Min(count, waiting);
        waiting -= woken;
        _block.Field<int>(GrantedField) += woken;
        if (woken > 0)
        {
            monitor.PulseAll(); // every sleeper re-checks; exactly `woken` of them take a grant
        }
        monitor.Exit();
    }

    /// <summary>Wakes every waiter.</summary>
    public void NotifyAll() => Notify(int.MaxValue);

    /// <summary>In the process that created it, removes its shared memory (not its lock's).</summary>
    public void Dispose()
    {
        if (_created)
        {
            _block.Unlink();
        }
    }

    private static T Checked<T>(T @lock) where T : class => @lock ?? throw new ArgumentNullException(nameof(@lock));
}
