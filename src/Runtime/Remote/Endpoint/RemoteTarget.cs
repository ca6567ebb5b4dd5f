using Actors.Runtime.Kernel;

namespace Actors.Runtime.Remote.Endpoint;

/// <summary>The target behind a reference to an actor on another node: messages go through that node's endpoint.</summary>
internal sealed class RemoteTarget(Endpoint endpoint, ActorId id, ActorSystem system) : IMessageTarget, IAskTarget
{
    public ActorSystem System => system;

    public void Post(object message, ActorRef? sender) => endpoint.SendUser(id, message, sender);

    public ValueTask PostAsync(object message, ActorRef? sender, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        endpoint.SendUser(id, message, sender);
        return default;
    }

    public void PostSystem(SystemMessage message)
    {
        switch (message)
        {
            case WatchMessage watch: endpoint.Watch(id, watch.Watcher); break;
            case UnwatchMessage unwatch: endpoint.Unwatch(id, unwatch.Watcher); break;
            case DeathNotificationMessage death: endpoint.SendSystem(id, new DeathWatchNotification(death.Actor.Id, death.ExistenceConfirmed, death.NodeLost)); break;
            case StopMessage: endpoint.SendSystem(id, new StopRequest(id)); break;
        }
    }

    /// <summary>The asked actor threw (or its message became a dead letter): the asker on the other node gets the exception.</summary>
    public void Fail(Exception exception) => endpoint.SendUser(id, new AskFault(exception), null);
}
