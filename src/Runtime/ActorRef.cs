using Actors.Runtime.Kernel;

namespace Actors;

/// <summary>
/// An opaque, thread-safe handle to one actor incarnation. Two references are equal when they name
/// the same incarnation (<see cref="Id"/>); a reference prints as <c>actors://node/path#uid</c> and
/// can travel inside messages. Sending to a stopped actor never throws: the message becomes a dead letter.
/// </summary>
public sealed class ActorRef : IEquatable<ActorRef>
{
    internal ActorRef(ActorId id, IMessageTarget target)
    {
        Id = id;
        Target = target;
    }

    /// <summary>The node, path and incarnation id this reference names.</summary>
    public ActorId Id { get; }

    /// <summary>The actor's path on its node, for example <c>/user/orders/$1</c>.</summary>
    public string Path => Id.Path;

    internal IMessageTarget Target { get; }

    /// <summary>Sends a message without waiting. Inside an actor the sender defaults to that actor.</summary>
    /// <param name="message">The message; never null.</param>
    /// <param name="sender">Who replies go to; null means the calling actor, or nobody outside actors.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <remarks>A full bounded mailbox turns the message into a dead letter with reason "mailbox full".</remarks>
    public void Tell(object message, ActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Target.Post(message, sender ?? ActorCell.CurrentSelf);
    }

    /// <summary>Sends a message, waiting for space if the actor's mailbox is bounded and full (backpressure).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired while waiting for space.</exception>
    public ValueTask TellAsync(object message, ActorRef? sender = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Target.PostAsync(message, sender ?? ActorCell.CurrentSelf, cancellationToken);
    }

    /// <summary>Sends a message and waits for the first reply, which must be a <typeparamref name="T"/>.</summary>
    /// <param name="message">The message; never null.</param>
    /// <param name="timeout">How long to wait; null means the system's <see cref="ActorSystemOptions.AskTimeout"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="TimeoutException">No reply came in time.</exception>
    /// <exception cref="ActorTerminatedException">The actor is stopped, stopped before replying, or the system shut down.</exception>
    /// <exception cref="InvalidCastException">The reply is not a <typeparamref name="T"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <remarks>If the actor throws while handling the message, the ask fails with that exception.
    /// A full bounded mailbox makes the ask wait for space, within the same timeout.</remarks>
    public async Task<T> AskAsync<T>(object message, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ActorSystem system = Target.System;
        TimeSpan wait = timeout ?? system.Options.AskTimeout;
        PromiseTarget promise = system.Promises.Create(system);
        try
        {
            ValueTask posting = Target.PostAsync(message, promise.Ref, cancellationToken);
            if (!posting.IsCompleted)
            {
                await posting.AsTask().WaitAsync(wait, cancellationToken).ConfigureAwait(false); // a full bounded mailbox: wait for space, within the timeout
            }
            object? reply = await promise.Reply.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            return reply is T typed ? typed : throw new InvalidCastException(
                $"Ask to {this} with a {message.GetType().Name} expected a reply of type {typeof(T).Name} but got {reply?.GetType().Name ?? "null"}.");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Ask to {this} with a {message.GetType().Name} got no reply within {wait}. The actor may be busy, may not reply to this message, or may be on a node that is slow.");
        }
        finally
        {
            system.Promises.Remove(promise);
        }
    }

    /// <inheritdoc />
    public bool Equals(ActorRef? other) => other is not null && Id == other.Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ActorRef other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Id.GetHashCode();

    /// <summary>Prints as <c>actors://node/path#uid</c>.</summary>
    public override string ToString() => Id.ToString();

    /// <summary>Value equality of the named incarnation.</summary>
    public static bool operator ==(ActorRef? left, ActorRef? right) => left?.Equals(right) ?? right is null;

    /// <summary>Value inequality of the named incarnation.</summary>
    public static bool operator !=(ActorRef? left, ActorRef? right) => !(left == right);
}
