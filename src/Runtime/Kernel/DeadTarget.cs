namespace Actors.Runtime.Kernel;

/// <summary>The target of a reference to an actor that does not exist here: messages become dead letters, a watch reports it dead at once.</summary>
internal sealed class DeadTarget(ActorSystem system, ActorId id) : IMessageTarget
{
    public ActorSystem System => system;

    private ActorRef Self => new(id, this);

    public void Post(object message, ActorRef? sender) =>
        system.DeadLetters.Publish(message, sender, Self, "no such actor (it stopped, or never existed here)");

    public ValueTask PostAsync(object message, ActorRef? sender, CancellationToken cancellationToken)
    {
        Post(message, sender);
        return default;
    }

    public void PostSystem(SystemMessage message)
    {
        if (message is WatchMessage watch)
        {
            watch.Watcher.Target.PostSystem(new DeathNotificationMessage(Self, ExistenceConfirmed: false, NodeLost: false));
        }
    }
}
