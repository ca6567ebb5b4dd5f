namespace Actors;

/// <summary>
/// An actor's view of the runtime. Use it only from inside the actor's own message handling and hooks:
/// it is not thread-safe and is not meant to be captured by other threads.
/// </summary>
public interface IActorContext
{
    /// <summary>This actor's reference.</summary>
    ActorRef Self { get; }

    /// <summary>The sender of the message being processed, or null.</summary>
    ActorRef? Sender { get; }

    /// <summary>The parent's reference (the user guardian for top-level actors).</summary>
    ActorRef Parent { get; }

    /// <summary>The actor system this actor lives in.</summary>
    ActorSystem System { get; }

    /// <summary>The live children of this actor.</summary>
    IReadOnlyCollection<ActorRef> Children { get; }

    /// <summary>Starts a child actor supervised by this actor.</summary>
    /// <param name="props">How to create the child.</param>
    /// <param name="name">A name unique among this actor's children, or null for a generated one.</param>
    /// <exception cref="ArgumentException">The name is empty, contains '/' or '#', starts with '$', or is taken.</exception>
    ActorRef Spawn(Props props, string? name = null);

    /// <summary>Stops a child immediately (its queued messages go to dead letters).</summary>
    void Stop(ActorRef child);

    /// <summary>Sends <paramref name="message"/> to the current sender; a dead letter if there is none.</summary>
    void Respond(object message);

    /// <summary>Delivers <see cref="Terminated"/> for <paramref name="actor"/> to this actor exactly once,
    /// also when it is already dead.</summary>
    void Watch(ActorRef actor);

    /// <summary>Withdraws <see cref="Watch"/>; no <see cref="Terminated"/> arrives for it afterwards.</summary>
    void Unwatch(ActorRef actor);
}
