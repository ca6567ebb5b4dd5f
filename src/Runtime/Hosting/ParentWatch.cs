using System.Runtime.InteropServices;

namespace Actors.Runtime.Hosting;

/// <summary>
/// Completes when this process's parent (its coordinator) has exited, even by SIGKILL. Linux's <c>pidfd_open</c>
/// (kernel 5.3+) turns the parent's exit into a descriptor that becomes readable; one thread sleeps in <c>poll</c> on
/// it, so nothing wakes until it happens (before: the parent pid was read from <c>/proc/self/stat</c> every 250 ms,
/// four wakes a second in every idle worker). Where pidfd is missing, <c>getppid</c> every 250 ms is the fallback.
/// </summary>
internal static class ParentWatch
{
    private const long PidfdOpen = 434; // the same on x86-64 and arm64 (the syscall table shared since Linux 5.1)
    private const short PollIn = 0x1;
    private const int Interrupted = 4; // EINTR
    private const int NoSuchProcess = 3; // ESRCH

    public static Task GoneAsync(int parentPid)
    {
        int pidfd = Open(parentPid);
        if (pidfd < 0)
        {
            return Marshal.GetLastPInvokeError() == NoSuchProcess ? Task.CompletedTask : PollAsync(parentPid);
        }
        if (IsGone(parentPid))
        {
            _ = close(pidfd); // re-parented before the descriptor was open: the pid may be another process's by now
            return Task.CompletedTask;
        }
        return ExitedAsync(pidfd);
    }

    /// <summary>Whether this process's parent is no longer <paramref name="parentPid"/> (it exited, and this process was re-parented).</summary>
    public static bool IsGone(int parentPid) => getppid() != parentPid;

    /// <summary>Completes when process <paramref name="pid"/> has exited; null where pidfd is not available.</summary>
    internal static Task? Exited(int pid)
    {
        int pidfd = Open(pid);
        return pidfd >= 0 ? ExitedAsync(pidfd)
            : Marshal.GetLastPInvokeError() == NoSuchProcess ? Task.CompletedTask : null;
    }

    private static int Open(int pid) => (int)syscall(PidfdOpen, pid, 0);

    private static Task ExitedAsync(int pidfd)
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var poll = new PollFd { Fd = pidfd, Events = PollIn };
            while (poll_(ref poll, 1, -1) < 0 && Marshal.GetLastPInvokeError() == Interrupted)
            {
            }
            _ = close(pidfd);
            exited.TrySetResult();
        }, maxStackSize: 64 * 1024)
        {
            IsBackground = true,
            Name = "actors.parent-watch",
        };
        thread.Start();
        return exited.Task;
    }

    private static async Task PollAsync(int parentPid)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false) && !IsGone(parentPid))
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern long syscall(long number, int pid, uint flags);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int getppid();

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int poll_(ref PollFd fds, nuint count, int timeout);

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);
}
