namespace Actors;

/// <summary>
/// An ask could not be answered because its target stopped, was never there, or its actor system
/// shut down before a reply came.
/// </summary>
public sealed class ActorTerminatedException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was asked of whom and why it cannot be answered.</param>
    public ActorTerminatedException(string message) : base(message) { }
}
