namespace Actors;

/// <summary>
/// An actor's constructor or its <c>OnStartedAsync</c> hook threw. The default supervisor stops
/// such an actor instead of restarting it, since a new instance would most likely fail the same way.
/// </summary>
public sealed class ActorInitializationException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which actor failed to start.</param>
    /// <param name="innerException">What its constructor or start hook threw.</param>
    public ActorInitializationException(string message, Exception innerException) : base(message, innerException) { }
}
