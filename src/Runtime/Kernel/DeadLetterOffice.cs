using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Kernel;

/// <summary>
/// Counts, logs and publishes every message that could not be delivered. An ask whose message
/// becomes a dead letter fails at once instead of waiting for its timeout.
/// </summary>
internal sealed partial class DeadLetterOffice(ILogger logger)
{
    private readonly ConcurrentDictionary<ActorRef, byte> _subscribers = new();
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public void Subscribe(ActorRef subscriber) => _subscribers[subscriber] = 0;

    public void Unsubscribe(ActorRef subscriber) => _subscribers.TryRemove(subscriber, out _);

    public void Publish(object message, ActorRef? sender, ActorRef recipient, string reason)
    {
        long n = Interlocked.Increment(ref _count);
        if (sender?.Target is IAskTarget ask)
        {
            ask.Fail(new ActorTerminatedException(
                $"Ask to {recipient} with a {message.GetType().Name} got no reply: {reason}."));
        }
        if (message is DeadLetter)
        {
            return; // a dead letter about a dead letter would loop forever
        }
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogDeadLetter(n, message.GetType().Name, sender?.ToString() ?? "no sender", recipient, reason);
        }
        if (!_subscribers.IsEmpty)
        {
            var letter = new DeadLetter(message, sender, recipient, reason);
            foreach (ActorRef subscriber in _subscribers.Keys)
            {
                subscriber.Tell(letter, null);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dead letter #{Count}: {MessageType} from {Sender} to {Recipient} was not delivered: {Reason}")]
    private partial void LogDeadLetter(long count, string messageType, string sender, ActorRef recipient, string reason);
}
