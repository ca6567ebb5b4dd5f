namespace Actors;

/// <summary>Asks the node hosting <paramref name="Watchee"/> to tell <paramref name="Watcher"/> when it terminates.</summary>
/// <param name="Watchee">The actor to watch.</param>
/// <param name="Watcher">The actor that receives the notification.</param>
public sealed record WatchRequest(ActorId Watchee, ActorId Watcher) : IRuntimeMessage
{
    /// <inheritdoc />
    public RuntimeMessageId TypeId => RuntimeMessageId.Watch;
}

/// <summary>Withdraws a <see cref="WatchRequest"/>.</summary>
/// <param name="Watchee">The watched actor.</param>
/// <param name="Watcher">The actor that no longer wants the notification.</param>
public sealed record UnwatchRequest(ActorId Watchee, ActorId Watcher) : IRuntimeMessage
{
    /// <inheritdoc />
    public RuntimeMessageId TypeId => RuntimeMessageId.Unwatch;
}

/// <summary>Tells a watcher that <paramref name="Actor"/> has terminated.</summary>
/// <param name="Actor">The actor that terminated.</param>
/// <param name="ExistenceConfirmed">False when the actor was never found (already dead when watched).</param>
/// <param name="NodeLost">True when the notification comes from losing the actor's node, not from the actor.</param>
public sealed record DeathWatchNotification(ActorId Actor, bool ExistenceConfirmed, bool NodeLost) : IRuntimeMessage
{
    /// <inheritdoc />
    public RuntimeMessageId TypeId => RuntimeMessageId.DeathWatchNotification;
}

/// <summary>Stops <paramref name="Actor"/> at once, as <c>ActorSystem.StopAsync</c> does locally.</summary>
/// <param name="Actor">The actor to stop.</param>
public sealed record StopRequest(ActorId Actor) : IRuntimeMessage
{
    /// <inheritdoc />
    public RuntimeMessageId TypeId => RuntimeMessageId.Stop;
}
