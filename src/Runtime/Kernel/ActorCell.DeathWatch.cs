namespace Actors.Runtime.Kernel;

internal sealed partial class ActorCell
{
    // Both sets are touched only on the cell's own thread.
    private HashSet<ActorRef>? _watchers;
    private HashSet<ActorRef>? _watching;

    public void Watch(ActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Equals(Self) || !(_watching ??= []).Add(actor))
        {
            return;
        }
        actor.Target.PostSystem(new WatchMessage(Self));
    }

    public void Unwatch(ActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (_watching?.Remove(actor) == true)
        {
            actor.Target.PostSystem(new UnwatchMessage(Self));
        }
    }

    private void AddWatcher(ActorRef watcher)
    {
        if (!watcher.Equals(Self))
        {
            (_watchers ??= []).Add(watcher);
        }
    }

    /// <summary>Turns the first notification for a watched actor into a <see cref="Actors.Terminated"/> message; later ones are dropped.</summary>
    private void OnDeathNotification(DeathNotificationMessage death)
    {
        if (_state != CellState.Stopped && _watching?.Remove(death.Actor) == true)
        {
            // Like any message, so that what the dead actor sent before it died arrives first; a full
            // bounded mailbox must not lose it, so then it goes ahead of the queue.
            var terminated = new Envelope(new Terminated(death.Actor, death.ExistenceConfirmed, death.NodeLost), death.Actor);
            if (!_mailbox.TryEnqueue(terminated))
            {
                _mailbox.EnqueuePriority(terminated);
            }
        }
    }

    private void NotifyWatchersAndUnwatch()
    {
        if (_watchers is not null)
        {
            var death = new DeathNotificationMessage(Self, ExistenceConfirmed: true, NodeLost: false);
            foreach (ActorRef watcher in _watchers)
            {
                watcher.Target.PostSystem(death);
            }
            _watchers = null;
        }
        if (_watching is not null)
        {
            var unwatch = new UnwatchMessage(Self);
            foreach (ActorRef watched in _watching)
            {
                watched.Target.PostSystem(unwatch);
            }
            _watching = null;
        }
    }
}
