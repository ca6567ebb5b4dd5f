namespace Actors;

/// <summary>Delivered exactly once to each watcher when a watched actor stops.</summary>
/// <param name="Actor">The actor that stopped.</param>
/// <param name="ExistenceConfirmed">False when the actor was already dead when the watch began.</param>
/// <param name="NodeLost">True when the actor's node was lost rather than the actor stopping.</param>
public sealed record Terminated(ActorRef Actor, bool ExistenceConfirmed = true, bool NodeLost = false);
