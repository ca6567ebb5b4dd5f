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
    /// <remarks>
    /// <paramref name="spin"/> false sleeps at once: <see cref="Task.Wait(TimeSpan, CancellationToken)"/> spins
    /// (yielding) before it sleeps, which pays for a short call (an apply's round trip is a tenth of a millisecond) and
    /// costs a long one CPU that its workers need on the same cores.
    /// </remarks>
    /// <returns>Whether it completed (successfully or not).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public static bool WaitAtLeast(Task task, TimeSpan? timeout, CancellationToken cancellationToken, bool spin = true)
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
            TimeSpan slice = left == Timeout.InfiniteTimeSpan ? left : left + TimeSpan.FromMilliseconds(1);
            if (!spin)
            {
                // The task's own event, set as it completes (not a continuation, so not deferred to the thread pool).
                WaitHandle completed = ((IAsyncResult)task).AsyncWaitHandle;
                if (cancellationToken.CanBeCanceled)
                {
                    WaitHandle.WaitAny([completed, cancellationToken.WaitHandle], slice);
                }
                else
                {
                    completed.WaitOne(slice);
                }
                if (!task.IsCompleted)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
                continue;
            }
            try
            {
                task.Wait(slice, cancellationToken);
            }
            catch (AggregateException)
            {
                return true; // completed with a failure
            }
        }
        return true;
    }
}
