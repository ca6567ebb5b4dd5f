using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// The few libc calls the cross-process primitives stand on: robust process-shared pthread mutexes (the kernel
/// releases one whose owner dies and tells the next locker, EOWNERDEAD), futexes on shared pages, and the monotonic
/// clock. Linux only (glibc 2.30+ for the clock-aware lock); the runtime's other platforms are not targets.
/// </summary>
internal static unsafe class Posix
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EBUSY = 16;
    public const int EDEADLK = 35;
    public const int ETIMEDOUT = 110;
    public const int EOWNERDEAD = 130;
    public const int ENOTRECOVERABLE = 131;
    public const int ESRCH = 3;

    public const int MutexNormal = 0;
    public const int MutexRecursive = 1;
    public const int MutexErrorCheck = 2;

    private const int ClockMonotonic = 1;
    private const int FutexWait = 0; // not FUTEX_PRIVATE: the word is on a page several processes map
    private const int FutexWake = 1;

    /// <summary>Bytes reserved for one pthread_mutex_t (40 on x86-64, 48 on arm64).</summary>
    public const int MutexSize = 64;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential, Size = 16)]
    private struct Attr
    {
        private long _a;
        private long _b;
    }

    /// <summary>Initialises a robust, process-shared mutex of <paramref name="type"/> at <paramref name="mutex"/>.</summary>
    public static void InitMutex(nint mutex, int type)
    {
        var attr = default(Attr);
        Check(pthread_mutexattr_init(ref attr), "pthread_mutexattr_init");
        Check(pthread_mutexattr_settype(ref attr, type), "pthread_mutexattr_settype");
        Check(pthread_mutexattr_setpshared(ref attr, 1), "pthread_mutexattr_setpshared");
        Check(pthread_mutexattr_setrobust(ref attr, 1), "pthread_mutexattr_setrobust");
        Check(pthread_mutex_init(mutex, ref attr), "pthread_mutex_init");
        _ = pthread_mutexattr_destroy(ref attr);
    }

    /// <summary>Locks, waiting until <paramref name="deadline"/> (monotonic ns; long.MaxValue = forever); an errno-style result.</summary>
    public static int Lock(nint mutex, long deadline)
    {
        if (deadline == long.MaxValue)
        {
            return pthread_mutex_lock(mutex);
        }
        Timespec at = new() { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
        int result;
        do
        {
            result = pthread_mutex_clocklock(mutex, ClockMonotonic, ref at);
        }
        while (result == EINTR);
        return result;
    }

    public static int TryLock(nint mutex) => pthread_mutex_trylock(mutex);

    /// <summary>
    /// Locks, trying for a few microseconds before blocking: a lock held across processes is usually held for a few
    /// instructions, and blocking costs two system calls and a wake-up (robust mutexes cannot be glibc's adaptive kind).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SpinThenLock(nint mutex, long deadline)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < 20; i++)
        {
            int result = pthread_mutex_trylock(mutex);
            if (result != EBUSY)
            {
                return result;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return Lock(mutex, deadline);
    }

    public static int Unlock(nint mutex) => pthread_mutex_unlock(mutex);

    public static void MakeConsistent(nint mutex) => Check(pthread_mutex_consistent(mutex), "pthread_mutex_consistent");

    /// <summary>Sleeps while the word at <paramref name="word"/> holds <paramref name="expected"/>, until woken or <paramref name="deadline"/>.</summary>
    public static void FutexSleep(nint word, uint expected, long deadline)
    {
        long nr = FutexSyscall();
        if (deadline == long.MaxValue)
        {
            syscall(nr, word, FutexWait, expected, 0, 0, 0);
            return;
        }
        long left = deadline - Now();
        if (left <= 0)
        {
            return;
        }
        Timespec relative = new() { Seconds = left / 1_000_000_000, Nanoseconds = left % 1_000_000_000 };
        syscall(nr, word, FutexWait, expected, ref relative, 0, 0);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct FutexWaiter
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    /// <summary>
    /// Sleeps until any of <paramref name="words"/> no longer holds its <paramref name="expected"/> value, a wake-up
    /// reaches one of them, or <paramref name="deadline"/> (futex_waitv, Linux 5.16+).
    /// </summary>
    public static void FutexSleepMany(ReadOnlySpan<nint> words, ReadOnlySpan<uint> expected, long deadline)
    {
        const long FutexWaitv = 449; // the same number on x86-64 and arm64
        const uint Futex32 = 2; // a 32-bit word, shared (no FUTEX_PRIVATE_FLAG)
        var waiters = new FutexWaiter[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            waiters[i] = new FutexWaiter { Value = expected[i], Address = (ulong)words[i], Flags = Futex32 };
        }
        Timespec at = new() { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
        if (futex_waitv(FutexWaitv, waiters, (uint)waiters.Length, 0, deadline == long.MaxValue ? 0 : (nint)(&at), ClockMonotonic) < 0
            && Marshal.GetLastPInvokeError() == 38) // ENOSYS: an old kernel; sleep a little instead
        {
            Thread.Sleep(1);
        }
    }

    /// <summary>Wakes up to <paramref name="count"/> sleepers on the word at <paramref name="word"/>.</summary>
    public static void FutexWakeUp(nint word, int count) => syscall(FutexSyscall(), word, FutexWake, (uint)count, 0, 0, 0);

    /// <summary>The monotonic clock in nanoseconds (CLOCK_MONOTONIC, the clock every deadline here is on).</summary>
    public static long Now()
    {
        if (clock_gettime(ClockMonotonic, out Timespec now) != 0)
        {
            throw new PlatformNotSupportedException("clock_gettime(CLOCK_MONOTONIC) failed");
        }
        return now.Seconds * 1_000_000_000 + now.Nanoseconds;
    }

    /// <summary>A deadline on <see cref="Now"/> for a timeout; infinite (-1 ms) gives long.MaxValue.</summary>
    public static long Deadline(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return long.MaxValue;
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero, nameof(timeout));
        long ticks = Math.Min(timeout.Ticks, long.MaxValue / 200);
        return Now() + ticks * 100;
    }

    /// <summary>Whether a process with this pid exists (a zombie counts; EPERM means it exists but is not ours).</summary>
    public static bool IsAlive(int pid) => pid > 0 && (kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == EPERM);

    /// <summary>Whether the process runs (a zombie, killed but not yet reaped by its parent, does not).</summary>
    public static bool IsRunning(int pid)
    {
        if (!Posix.IsAlive(pid))
        {
            return false;
        }
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int end = stat.LastIndexOf(')');
            return end < 0 || end + 2 >= stat.Length || stat[end + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static long FutexSyscall() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        var other => throw new PlatformNotSupportedException($"futex on {other} is not supported"),
    };

    private static void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed with errno {result}");
        }
    }

    /// <summary>Words of a CPU mask: 1,024 CPUs.</summary>
    private const int AffinityWords = 16;

    /// <summary>
    /// Binds the calling thread to the <paramref name="index"/>-th CPU (modulo their count) of those this process (its main
    /// thread) may run on; false if the kernel refused (the thread then runs wherever it did).
    /// </summary>
    public static bool PinThisThread(int index)
    {
        ulong* mask = stackalloc ulong[AffinityWords];
        if (sched_getaffinity(Environment.ProcessId, AffinityWords * sizeof(ulong), mask) != 0)
        {
            return false;
        }
        var allowed = new List<int>();
        for (int cpu = 0; cpu < AffinityWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                allowed.Add(cpu);
            }
        }
        if (allowed.Count == 0)
        {
            return false;
        }
        int chosen = allowed[index % allowed.Count];
        new Span<ulong>(mask, AffinityWords).Clear();
        mask[chosen / 64] = 1UL << (chosen % 64);
        return sched_setaffinity(0, AffinityWords * sizeof(ulong), mask) == 0; // pid 0: the calling thread
    }

    /// <summary>Lets the calling thread run on every CPU this process may run on again (its main thread's set); false if refused.</summary>
    public static bool UnpinThisThread()
    {
        ulong* mask = stackalloc ulong[AffinityWords];
        return sched_getaffinity(Environment.ProcessId, AffinityWords * sizeof(ulong), mask) == 0 && sched_setaffinity(0, AffinityWords * sizeof(ulong), mask) == 0;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int sched_getaffinity(int pid, nint size, ulong* mask);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int sched_setaffinity(int pid, nint size, ulong* mask);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);

    /// <summary>Ends this process now with <paramref name="code"/>: no .NET shutdown, no exit handlers (POSIX <c>_exit</c>).</summary>
    [DllImport("libc", EntryPoint = "_exit")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static extern void ExitNow(int code);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int clock_gettime(int clock, out Timespec time);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long syscall(long number, nint word, int op, uint value, nint timeout, nint word2, uint value3);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long syscall(long number, nint word, int op, uint value, ref Timespec timeout, nint word2, uint value3);

    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long futex_waitv(long number, FutexWaiter[] waiters, uint count, uint flags, nint timeout, int clock);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutexattr_init(ref Attr attr);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutexattr_destroy(ref Attr attr);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutexattr_settype(ref Attr attr, int type);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutexattr_setpshared(ref Attr attr, int shared);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutexattr_setrobust(ref Attr attr, int robust);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_init(nint mutex, ref Attr attr);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_lock(nint mutex);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_clocklock(nint mutex, int clock, ref Timespec deadline);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_trylock(nint mutex);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_unlock(nint mutex);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int pthread_mutex_consistent(nint mutex);
}
