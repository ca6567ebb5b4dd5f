using System.Runtime.CompilerServices;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// A monitor on a shared page: a robust process-shared mutex, plus a futex word that sleepers wait on and pulsers bump.
/// Every cross-process object is state guarded by one of these. A process that dies holding the mutex releases it
/// (the kernel's robust list); the next enterer learns it (<see cref="Entry.Abandoned"/>) and the state it guards is
/// consistent, because every writer here commits with a single store after its copy. A sleeper that dies leaves
/// nothing behind (a futex has no waiter records in the page), unlike a pthread condition variable.
/// </summary>
internal readonly unsafe struct SharedMonitor(nint address)
{
    /// <summary>Bytes one monitor takes: the mutex, the futex word, the sleeper count.</summary>
    public const int Size = Posix.MutexSize + 64;

    private nint Mutex => address;

    private nint Word => address + Posix.MutexSize;

    private ref uint Sequence => ref Unsafe.AsRef<uint>((void*)Word);

    /// <summary>Waiters, spinning or asleep; changed inside the monitor. A pulse bumps the word only when there are some.</summary>
    private ref int Waiters => ref Unsafe.AsRef<int>((void*)(Word + 4));

    /// <summary>Waiters asleep in the kernel; changed atomically outside the monitor. A pulse makes a system call only when there are some.</summary>
    private ref int Sleepers => ref Unsafe.AsRef<int>((void*)(Word + 8));

    /// <summary>The result of an enter.</summary>
    public enum Entry
    {
        Entered,
        Abandoned,
        TimedOut,
        Deadlock,
    }

    /// <summary>Initialises a monitor on fresh (zeroed) memory.</summary>
    public static SharedMonitor Init(nint address, int type = Posix.MutexNormal)
    {
        Posix.InitMutex(address, type);
        return new SharedMonitor(address);
    }

    /// <summary>Enters, waiting until <paramref name="deadline"/> (monotonic ns; long.MaxValue = forever).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Entry Enter(long deadline)
    {
        return Classify(Posix.SpinThenLock(Mutex, deadline));
    }

    /// <summary>Enters for internal bookkeeping: an abandoned mutex is fine, since the state it guards is always consistent.</summary>
    public void Enter() => Enter(long.MaxValue);

    /// <summary>Tries once without waiting.</summary>
    public Entry TryEnter() => Classify(Posix.TryLock(Mutex));

    /// <summary>What a lock call's result means (a try's EBUSY is a time-out of zero length).</summary>
    private Entry Classify(int result)
    {
        switch (result)
        {
            case 0:
                return Entry.Entered;
            case Posix.EOWNERDEAD:
                Posix.MakeConsistent(Mutex);
                return Entry.Abandoned;
            case Posix.ETIMEDOUT or Posix.EBUSY:
                return Entry.TimedOut;
            case Posix.EDEADLK:
                return Entry.Deadlock;
            default:
                throw new InvalidOperationException($"a shared mutex failed (errno {result}); the object is unusable");
        }
    }

    /// <summary>Leaves; false if this thread does not hold the mutex.</summary>
    public bool Exit() => Posix.Unlock(Mutex) == 0;

    /// <summary>
    /// Leaves, sleeps until pulsed or <paramref name="deadline"/>, and enters again (waiting as long as it takes).
    /// Wakes may be spurious: callers loop on their condition.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Wait(long deadline)
    {
        uint seen = Volatile.Read(ref Sequence);
        Waiters++;
        Exit();
        if (!SpinUntilChanged(ref Sequence, seen, deadline))
        {
            // Counted before the kernel re-checks the word: a pulse either sees us here and wakes us, or bumped the
            // word first, and then the sleep returns at once (both sides use full fences).
            Interlocked.Increment(ref Sleepers);
            Posix.FutexSleep(Word, seen, deadline);
            Interlocked.Decrement(ref Sleepers);
        }
        Enter();
        Waiters--;
    }

    /// <summary>How long a waiter spins before it sleeps: a peer on another core usually answers within it, and a
    /// futex wake-up costs more (an idle core's wake-up measured 40-60 µs here, against 10-20 µs spinning).</summary>
    public const long SpinNanoseconds = 50_000;

    /// <summary>Spins (yielding as .NET's SpinWait does) until the word leaves <paramref name="seen"/>; false if it did not within <see cref="SpinNanoseconds"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool SpinUntilChanged(ref uint word, uint seen, long deadline)
    {
        long until = Math.Min(deadline, Posix.Now() + SpinNanoseconds);
        var spinner = default(SpinWait);
        while (Volatile.Read(ref word) == seen)
        {
            if (Posix.Now() >= until)
            {
                return false;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return true;
    }

    /// <summary>For a sleep on several monitors at once (<see cref="Posix.FutexSleepMany"/>): counts a sleeper and returns the word's value; called inside the monitor.</summary>
    public uint BeginSleep()
    {
        Waiters++;
        Interlocked.Increment(ref Sleepers);
        return Volatile.Read(ref Sequence);
    }

    /// <summary>Ends what <see cref="BeginSleep"/> began; called inside the monitor.</summary>
    public void EndSleep()
    {
        Interlocked.Decrement(ref Sleepers);
        Waiters--;
    }

    /// <summary>The futex word sleepers wait on.</summary>
    public nint WordAddress => Word;

    /// <summary>Wakes up to <paramref name="count"/> sleepers; called inside the monitor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pulse(int count = 1)
    {
        if (Waiters > 0)
        {
            Interlocked.Increment(ref Sequence); // a spinning waiter sees this and needs no system call
            if (Volatile.Read(ref Sleepers) > 0)
            {
                Posix.FutexWakeUp(Word, count);
            }
        }
    }

    /// <summary>Wakes every sleeper; called inside the monitor.</summary>
    public void PulseAll() => Pulse(int.MaxValue);
}
