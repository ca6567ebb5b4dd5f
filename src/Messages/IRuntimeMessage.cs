namespace Actors;

/// <summary>A message of the runtime's own protocol, encoded by a hand-written codec under its id.</summary>
public interface IRuntimeMessage
{
    /// <summary>The message's stable numeric id on the wire.</summary>
    RuntimeMessageId TypeId { get; }
}
