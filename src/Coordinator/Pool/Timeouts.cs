namespace Actors.Coordination.Pooling;

/// <summary>The caller's timeout as a wait can take it.</summary>
internal static class Timeouts
{
    /// <summary>
    /// <see cref="Timeout.InfiniteTimeSpan"/> for none, and for one past what a wait in milliseconds can hold (about 24
    /// days; CPython accepts any size); otherwise the timeout itself. A negative one is left for the wait to refuse.
    /// </summary>
    public static TimeSpan Waitable(TimeSpan? timeout) =>
        timeout is { TotalMilliseconds: < int.MaxValue } t ? t : Timeout.InfiniteTimeSpan;

    /// <summary>
    /// Waits for <paramref name="task"/> to complete, at most <paramref name="timeout"/> (null: no limit), and never gives
    /// up before <paramref name="timeout"/> has passed: a timer may fire a little early, CPython's timeouts are lower bounds.
    /// </summary>
    /// <returns>Whether it completed (successfully or not).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static bool WaitAtLeast(Task task, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        TimeSpan wait = Waitable(timeout);
        long deadline = wait == Timeout.InfiniteTimeSpan ? long.MaxValue
            : System.Diagnostics.Stopwatch.GetTimestamp() + (long)(Math.Max(0, wait.TotalSeconds) * System.Diagnostics.Stopwatch.Frequency);
        while (!task.IsCompleted)
        {
            TimeSpan left = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan
                : System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                return false;
            }
            try
            {
                task.Wait(left == Timeout.InfiniteTimeSpan ? left : left + TimeSpan.FromMilliseconds(1), cancellationToken);
            }
            catch (AggregateException)
            {
                return true; // completed with a failure
            }
        }
        return true;
    }
}
