using System.Collections.Concurrent;

namespace Actors.Runtime.Tests;

/// <summary>Small actors shared by the kernel tests.</summary>
internal static class TestActors
{
    public sealed record Get;

    public sealed record Boom(string Why);

    /// <summary>Replies to every message with the same message.</summary>
    public sealed class Echo : Actor
    {
        protected override ValueTask ReceiveAsync(object message)
        {
            Context.Respond(message);
            return default;
        }
    }

    /// <summary>Counts "inc" messages, answers <see cref="Get"/> with the count, throws on <see cref="Boom"/>.</summary>
    public sealed class Counter(ConcurrentQueue<string>? log = null) : Actor
    {
        private int _count;

        protected override ValueTask ReceiveAsync(object message)
        {
            switch (message)
            {
                case "inc": _count++; break;
                case Get: Context.Respond(_count); break;
                case Boom boom: throw new InvalidOperationException(boom.Why);
                default: Unhandled(message); break;
            }
            return default;
        }

        protected override ValueTask OnStartedAsync() { log?.Enqueue("started"); return default; }

        protected override ValueTask OnStoppingAsync() { log?.Enqueue("stopping"); return default; }

        protected override ValueTask OnStoppedAsync() { log?.Enqueue("stopped"); return default; }

        protected override ValueTask OnRestartingAsync(Exception reason) { log?.Enqueue("restarting:" + reason.Message); return default; }
    }

    /// <summary>Forwards everything it gets to a target.</summary>
    public sealed class Forwarder(ActorRef target) : Actor
    {
        protected override ValueTask ReceiveAsync(object message)
        {
            target.Tell(message);
            return default;
        }
    }

    /// <summary>Spawns the given children at start; records its own stop in a shared log.</summary>
    public sealed class Parent(string name, ConcurrentQueue<string> log, Func<IActorContext, Task>? onStart = null, int children = 0) : Actor
    {
        protected override async ValueTask OnStartedAsync()
        {
            for (int i = 0; i < children; i++)
            {
                Context.Spawn(Props.Create(() => new Parent($"{name}.{i}", log)), "c" + i);
            }
            if (onStart is not null)
            {
                await onStart(Context);
            }
        }

        protected override ValueTask ReceiveAsync(object message)
        {
            if (message is Boom boom)
            {
                throw new InvalidOperationException(boom.Why);
            }
            Context.Respond(Context.Children.Count);
            return default;
        }

        protected override ValueTask OnStoppedAsync()
        {
            log.Enqueue(name);
            return default;
        }
    }
}
