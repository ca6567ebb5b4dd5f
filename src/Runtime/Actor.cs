using Actors.Runtime.Kernel;

namespace Actors;

/// <summary>
/// The base class of every actor. The runtime calls <see cref="ReceiveAsync"/> with one message at a
/// time, so an actor's fields need no locks. Create actors with <see cref="Props"/> and
/// <c>ActorSystem.Spawn</c> or <see cref="IActorContext.Spawn"/>, never with <c>new</c> alone.
/// </summary>
/// <remarks>
/// An exception thrown by <see cref="ReceiveAsync"/> goes to the parent's supervisor strategy
/// (resume, restart, stop or escalate); if the message came from an ask, the asker gets the exception.
/// It never takes the process down.
/// </remarks>
public abstract class Actor
{
    private readonly ActorCell _cell;

    /// <summary>Binds the new instance to the cell that is creating it.</summary>
    /// <exception cref="InvalidOperationException">The actor was created with <c>new</c> outside the runtime.</exception>
    protected Actor()
    {
        _cell = ActorCell.Creating ?? throw new InvalidOperationException(
            $"{GetType().Name} was created with 'new'. Actors are created by the runtime: use Props.Create<{GetType().Name}>() with ActorSystem.Spawn or Context.Spawn.");
    }

    internal ActorCell Cell => _cell;

    /// <summary>This actor's view of the runtime: self, sender, children, watch.</summary>
    protected IActorContext Context => _cell;

    /// <summary>This actor's own reference.</summary>
    protected ActorRef Self => _cell.Self;

    /// <summary>The sender of the message being processed, or null if it was sent from outside any actor.</summary>
    protected ActorRef? Sender => _cell.Sender;

    /// <summary>Processes one message. Complete synchronously when you can; the mailbox waits while the task runs.</summary>
    /// <param name="message">The message; <see cref="Terminated"/> arrives here for watched actors.</param>
    protected abstract ValueTask ReceiveAsync(object message);

    /// <summary>Runs before the first message, after construction and after each restart.</summary>
    protected virtual ValueTask OnStartedAsync() => default;

    /// <summary>Runs when the actor begins to stop, before its children are stopped.</summary>
    protected virtual ValueTask OnStoppingAsync() => default;

    /// <summary>Runs once the actor and all its children have stopped; the last hook it gets.</summary>
    protected virtual ValueTask OnStoppedAsync() => default;

    /// <summary>Runs on the failed instance before it is replaced by a fresh one.</summary>
    /// <param name="reason">The exception that caused the restart.</param>
    protected virtual ValueTask OnRestartingAsync(Exception reason) => default;

    // The cell calls the hooks through these, so overrides stay plain 'protected' in every assembly.
    internal ValueTask InvokeReceiveAsync(object message) => ReceiveAsync(message);

    internal ValueTask InvokeStartedAsync() => OnStartedAsync();

    internal ValueTask InvokeStoppingAsync() => OnStoppingAsync();

    internal ValueTask InvokeStoppedAsync() => OnStoppedAsync();

    internal ValueTask InvokeRestartingAsync(Exception reason) => OnRestartingAsync(reason);

    /// <summary>Records a message this actor does not handle as a dead letter with reason "unhandled".</summary>
    protected void Unhandled(object message) => _cell.Unhandled(message);
}
