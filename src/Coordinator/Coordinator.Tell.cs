using Actors.Coordination.Workers;
using Akka.Actor;

namespace Actors;

public sealed partial class Coordinator
{
    /// <summary>Room left in an Akka.Remote frame for the envelope around a payload (recipient and sender paths, ids).</summary>
    private const int AkkaEnvelopeRoom = 16 * 1024;

    /// <summary>The largest payload Akka.Remote carries (its <c>maximum-frame-size</c>, less the envelope).</summary>
    internal long AkkaFrameLimit =>
        (System.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128_000) - AkkaEnvelopeRoom;

    /// <summary>
    /// Stops an actor that <see cref="SpawnAsync{TActor}(string?, int?, object?[])"/> placed on a worker; its watchers get <see cref="Terminated"/>.
    /// Every node runs Akka.Remote in untrusted mode, which drops a <see cref="PoisonPill"/> or <see cref="Kill"/> sent
    /// from another process; this asks the worker's agent instead. An actor can always stop itself.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="actor"/> is not on one of this coordinator's workers.</exception>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        WorkerProcess worker = Array.Find(_workers.Snapshot, w => w.Agent?.Path.Address == actor.Path.Address)
            ?? throw new ArgumentException($"{actor.Path} is not on one of this coordinator's workers.", nameof(actor));
        worker.Agent!.Tell(new StopActor(actor), System.DeadLetters); // a sender at this node's address: the agent obeys only the coordinator
    }

    /// <summary>
    /// Sends <paramref name="message"/> to an actor, checked here: Akka.Remote drops a message over its frame size
    /// with one log line on the sender and nothing at the receiver. A message that cannot be serialized throws now,
    /// naming the member; one over the frame size for an actor on one of this coordinator's workers travels on that
    /// worker's lane (up to <see cref="LaneOptions.MaxMessageSize"/>) and is delivered there; anything larger throws.
    /// Messages of one sender to one actor keep their order only within one path (Akka.Remote, or the lane).
    /// </summary>
    /// <param name="target">The actor, anywhere.</param>
    /// <param name="message">The message.</param>
    /// <param name="sender">Who the target sees as <c>Sender</c>; null for none.</param>
    /// <exception cref="PayloadSerializationException">The message cannot be serialized; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">It is larger than either path carries; nothing was sent.</exception>
    public void Tell(IActorRef target, object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        long size = Serializer.Serialize<object>(message).Length;
        if (size <= AkkaFrameLimit || target.Path.Address.HasLocalScope)
        {
            target.Tell(message, sender ?? ActorRefs.NoSender);
            return;
        }
        WorkerProcess? worker = Array.Find(_workers.Snapshot, w => w.Agent?.Path.Address == target.Path.Address);
        if (worker?.Lane is { IsLost: false } lane && size <= lane.MaxMessageSize)
        {
            lane.Tell(new DeliverLocal(target, message, sender));
            return;
        }
        throw new MessageTooLargeException(worker is null
            ? $"A {message.GetType().Name} of {size:N0} bytes is over Akka.Remote's frame size ({AkkaFrameLimit:N0} bytes) and {target.Path} is not on one of this coordinator's workers, whose lanes carry larger ones. Send it in parts, or raise akka.remote.dot-netty.tcp.maximum-frame-size. Nothing was sent."
            : $"A {message.GetType().Name} of {size:N0} bytes is over the lane's limit too (LaneOptions.MaxMessageSize). Send it in parts or through shared memory, or raise the limit. Nothing was sent.");
    }
}
