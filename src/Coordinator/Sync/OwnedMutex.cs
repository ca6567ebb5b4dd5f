using Actors.Runtime.SharedMemory;

namespace Actors.Coordination.Sync;

/// <summary>
/// The state behind <see cref="ProcessLock"/> and <see cref="ProcessRLock"/>: the block's robust mutex is the lock
/// itself, and beside it the holder (pid and thread) and the recursion count, written only by the holder. The holder
/// is a thread of a process, as with a .NET <see cref="Mutex"/>: that is what lets the kernel release the lock of a
/// process that dies holding it, and tell the next acquirer.
/// </summary>
internal sealed class OwnedMutex
{
    private const int HolderField = 0;
    private const int CountField = 8;

    private readonly bool _recursive;
    private readonly string _name;

    private OwnedMutex(SharedBlock block, bool recursive)
    {
        Block = block;
        _recursive = recursive;
        _name = recursive ? "RLock" : "Lock";
    }

    public SharedBlock Block { get; }

    public static OwnedMutex Create(int kind, bool recursive) =>
        new(SharedBlock.Create(kind, 16, recursive ? Posix.MutexRecursive : Posix.MutexErrorCheck), recursive);

    public static OwnedMutex Attach(string handle, int kind, bool recursive) => new(SharedBlock.Attach(handle, kind), recursive);

    /// <summary>This thread of this process, as the holder field records it.</summary>
    private static long Me => ((long)Environment.ProcessId << 32) | (uint)Environment.CurrentManagedThreadId;

    private ref long Holder => ref Block.Field<long>(HolderField);

    private ref int Count => ref Block.Field<int>(CountField);

    /// <summary>Whether this thread holds it.</summary>
    public bool IsMine => Volatile.Read(ref Holder) == Me;

    /// <summary>Acquires, waiting until <paramref name="deadline"/>; false on time-out.</summary>
    /// <exception cref="AbandonedMutexException">Acquired, but its previous holder died holding it.</exception>
    /// <exception cref="LockRecursionException">A <see cref="ProcessLock"/> this thread holds already, waited for forever.</exception>
    public bool Acquire(long deadline, bool wait)
    {
        long previous = Volatile.Read(ref Holder);
        SharedMonitor.Entry entry = wait ? Block.Monitor.Enter(deadline) : Block.Monitor.TryEnter();
        switch (entry)
        {
            case SharedMonitor.Entry.TimedOut:
                return false;
            case SharedMonitor.Entry.Deadlock when deadline == long.MaxValue:
                throw new LockRecursionException("this thread already holds the Lock, so waiting for it would never end: a Lock is not re-entrant (ProcessRLock is)");
            case SharedMonitor.Entry.Deadlock:
                // CPython waits out the timeout and reports failure; so do we, without the hang.
                for (long left = deadline - Posix.Now(); left > 0; left = deadline - Posix.Now())
                {
                    Thread.Sleep(TimeSpan.FromTicks((left / 100) + 10_000)); // whole milliseconds, rounded up
                }
                return false;
        }
        if (_recursive && entry == SharedMonitor.Entry.Entered && Holder == Me)
        {
            Count++;
            return true;
        }
        Volatile.Write(ref Holder, Me);
        Count = 1;
        if (entry == SharedMonitor.Entry.Abandoned)
        {
            throw new AbandonedMutexException(
                $"acquired the {_name}, but its previous holder ({Describe(previous)}) died holding it: the {_name} is now this thread's; check the state it guarded, then release it");
        }
        return true;
    }

    /// <summary>Releases one level.</summary>
    /// <exception cref="SynchronizationLockException">This thread does not hold it.</exception>
    public void Release()
    {
        long holder = Volatile.Read(ref Holder);
        if (holder != Me)
        {
            throw new SynchronizationLockException(holder == 0
                ? (_recursive ? "cannot release un-acquired lock" : "release unlocked lock")
                : $"cannot release the {_name}: it is held by {Describe(holder)}, and only its holder may release it");
        }
        if (--Count == 0)
        {
            Volatile.Write(ref Holder, 0);
        }
        Block.Monitor.Exit();
    }

    /// <summary>Releases every level (for a condition's wait) and returns how many there were.</summary>
    public int ReleaseAll()
    {
        if (!IsMine)
        {
            throw new SynchronizationLockException("cannot wait on un-acquired lock");
        }
        int levels = Count;
        for (int i = 0; i < levels; i++)
        {
            Release();
        }
        return levels;
    }

    /// <summary>Acquires <paramref name="levels"/> levels again after a condition's wait.</summary>
    public void Restore(int levels)
    {
        for (int i = 0; i < levels; i++)
        {
            try
            {
                Acquire(long.MaxValue, wait: true);
            }
            catch (AbandonedMutexException) when (i > 0)
            {
                // cannot happen after the first level: we hold it
            }
        }
    }

    private static string Describe(long holder) => holder == 0
        ? "unknown"
        : $"process {holder >> 32}, thread {(int)holder}";
}
