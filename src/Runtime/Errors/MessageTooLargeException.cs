namespace Actors;

/// <summary>A message serialized to more than <see cref="LaneOptions.MaxMessageSize"/>; it was not sent and the connection is unaffected.</summary>
public sealed class MessageTooLargeException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public MessageTooLargeException(string message) : base(message) { }
}
