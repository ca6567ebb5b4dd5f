namespace Actors.Runtime.SharedMemory;

/// <summary>
/// One sleep on several shared objects at once (futex_waitv): returns which are ready, woken by the first that
/// becomes so. What CPython's <c>multiprocessing.connection.wait</c> does with select() on file descriptors.
/// </summary>
internal static class SharedWait
{
    /// <summary>
    /// Waits until at least one of <paramref name="ready"/> is true, or <paramref name="deadline"/>; returns the indexes
    /// of those that are. Each object's readiness changes only inside its monitor, with a pulse. Sleeps at most
    /// <paramref name="slice"/> (ns) at a time, for conditions no pulse announces (a peer's process dying).
    /// </summary>
    public static List<int> Any(IReadOnlyList<SharedMonitor> monitors, IReadOnlyList<Func<bool>> ready, long deadline, long slice = 100_000_000)
    {
        var words = new nint[monitors.Count];
        var seen = new uint[monitors.Count];
        while (true)
        {
            List<int> found = Ready(ready);
            if (found.Count == 0 && SpinUntilReady(ready, deadline))
            {
                found = Ready(ready); // the fast path: something came while we spun, no sleep to set up
            }
            if (found.Count > 0 || Posix.Now() >= deadline || monitors.Count == 0)
            {
                return found;
            }
            for (int i = 0; i < monitors.Count; i++)
            {
                monitors[i].Enter();
                seen[i] = monitors[i].BeginSleep();
                words[i] = monitors[i].WordAddress;
                monitors[i].Exit();
            }
            // Whatever becomes ready after BeginSleep bumps its word (a sleeper is counted), so this sleep cannot miss it.
            if (Ready(ready).Count == 0)
            {
                Posix.FutexSleepMany(words, seen, Math.Min(deadline, Posix.Now() + slice));
            }
            foreach (SharedMonitor monitor in monitors)
            {
                monitor.Enter();
                monitor.EndSleep();
                monitor.Exit();
            }
        }
    }

    /// <summary>Spins a little first, as <see cref="SharedMonitor.Wait"/> does: a reply often comes sooner than a wake-up would.</summary>
    private static bool SpinUntilReady(IReadOnlyList<Func<bool>> ready, long deadline)
    {
        long until = Math.Min(deadline, Posix.Now() + SharedMonitor.SpinNanoseconds);
        var spinner = default(SpinWait);
        while (Posix.Now() < until)
        {
            for (int i = 0; i < ready.Count; i++)
            {
                if (ready[i]())
                {
                    return true;
                }
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        return false;
    }

    private static List<int> Ready(IReadOnlyList<Func<bool>> ready)
    {
        var found = new List<int>();
        for (int i = 0; i < ready.Count; i++)
        {
            if (ready[i]())
            {
                found.Add(i);
            }
        }
        return found;
    }
}
