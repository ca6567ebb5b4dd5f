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
}
