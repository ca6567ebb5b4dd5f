namespace Actors;

/// <summary>
/// The node hosting an actor was lost (its process died, its connection closed, or it stopped
/// answering heartbeats) while an ask waited on it. Raised at once, not after the ask's timeout.
/// </summary>
public sealed class NodeLostException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The lost node's name.</param>
    /// <param name="message">What was lost and why.</param>
    public NodeLostException(string node, string message) : base(message) => Node = node;

    /// <summary>The lost node's name.</summary>
    public string Node { get; }
}
