namespace Actors;

/// <summary>
/// CPython's <c>BrokenBarrierError</c>: a <see cref="ProcessBarrier"/> was aborted, reset while parties waited, or a
/// party's wait timed out, so the parties waiting (and every later one, until <see cref="ProcessBarrier.Reset"/>) fail.
/// </summary>
public sealed class BrokenBarrierException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public BrokenBarrierException(string message) : base(message) { }
}
