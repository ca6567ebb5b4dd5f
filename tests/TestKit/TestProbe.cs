using System.Threading.Channels;

namespace Actors.TestKit;

/// <summary>
/// An actor whose messages a test can wait for. Tell it things, let actors watch it or reply to it,
/// then assert with <see cref="ExpectMsgAsync{T}"/>, <see cref="ExpectNoMsgAsync"/>,
/// <see cref="ExpectTerminatedAsync"/> and <see cref="FishForMessageAsync{T}"/>. Every wait is dilated
/// by <see cref="TestKitTimes.Factor"/>.
/// </summary>
public sealed class TestProbe
{
    private readonly Channel<(object Message, ActorRef? Sender)> _received = Channel.CreateUnbounded<(object, ActorRef?)>();

    /// <summary>Spawns a probe in <paramref name="system"/>.</summary>
    public TestProbe(ActorSystem system, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        System = system;
        Ref = system.Spawn(Props.Create(() => new ProbeActor(_received.Writer)), name);
    }

    /// <summary>The system the probe lives in.</summary>
    public ActorSystem System { get; }

    /// <summary>The probe's reference: use it as a sender, a watcher or a subscriber.</summary>
    public ActorRef Ref { get; }

    /// <summary>The sender of the last message taken by an expectation.</summary>
    public ActorRef? LastSender { get; private set; }

    /// <summary>Sends <paramref name="message"/> to <paramref name="target"/> with the probe as sender.</summary>
    public void Send(ActorRef target, object message) => target.Tell(message, Ref);

    /// <summary>Replies to <see cref="LastSender"/>.</summary>
    public void Reply(object message) =>
        (LastSender ?? throw new InvalidOperationException("No message with a sender has been taken yet.")).Tell(message, Ref);

    /// <summary>
    /// Makes the probe watch <paramref name="actor"/>; see <see cref="ExpectTerminatedAsync"/>. The task completes once the
    /// watch is registered: for a remote actor its request is then on the connection ahead of anything sent after.
    /// </summary>
    public Task WatchAsync(ActorRef actor)
    {
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Ref.Tell(new ProbeActor.WatchCommand(actor, registered));
        return registered.Task.WaitAsync(TestKitTimes.Dilated(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Waits for the next message, which must be a <typeparamref name="T"/> that matches <paramref name="predicate"/>.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">Nothing came in time, or something else came first.</exception>
    public async Task<T> ExpectMsgAsync<T>(Func<T, bool>? predicate = null, TimeSpan? timeout = null)
    {
        TimeSpan wait = TestKitTimes.Dilated(timeout);
        object message = await NextAsync(wait) ?? throw new Xunit.Sdk.XunitException($"Expected a {typeof(T).Name} within {wait}, but no message came.");
        if (message is not T typed)
        {
            throw new Xunit.Sdk.XunitException($"Expected a {typeof(T).Name}, but got {message.GetType().Name}: {message}");
        }
        if (predicate is not null && !predicate(typed))
        {
            throw new Xunit.Sdk.XunitException($"Got a {typeof(T).Name} that does not match the expectation: {message}");
        }
        return typed;
    }

    /// <summary>Waits for the next message and checks it equals <paramref name="expected"/>.</summary>
    public async Task<T> ExpectMsgAsync<T>(T expected, TimeSpan? timeout = null) where T : notnull
    {
        T actual = await ExpectMsgAsync<T>(null, timeout);
        Xunit.Assert.Equal(expected, actual);
        return actual;
    }

    /// <summary>Checks that no message arrives for <paramref name="duration"/> (dilated).</summary>
    public async Task ExpectNoMsgAsync(TimeSpan? duration = null)
    {
        TimeSpan wait = TestKitTimes.Dilated(duration ?? TimeSpan.FromMilliseconds(200));
        if (await NextAsync(wait) is { } message)
        {
            throw new Xunit.Sdk.XunitException($"Expected no message for {wait}, but got {message.GetType().Name}: {message}");
        }
    }

    /// <summary>Waits for <see cref="Terminated"/> of <paramref name="actor"/>; call <see cref="Watch"/> first.</summary>
    public Task<Terminated> ExpectTerminatedAsync(ActorRef actor, TimeSpan? timeout = null) =>
        ExpectMsgAsync<Terminated>(t => t.Actor.Equals(actor), timeout);

    /// <summary>Skips messages until one is a <typeparamref name="T"/> matching <paramref name="predicate"/>.</summary>
    /// <exception cref="Xunit.Sdk.XunitException">None matched in time.</exception>
    public async Task<T> FishForMessageAsync<T>(Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        TimeSpan wait = TestKitTimes.Dilated(timeout);
        DateTime deadline = DateTime.UtcNow + wait;
        var skipped = new List<string>();
        while (DateTime.UtcNow < deadline)
        {
            object? message = await NextAsync(deadline - DateTime.UtcNow);
            if (message is T typed && predicate(typed))
            {
                return typed;
            }
            if (message is not null)
            {
                skipped.Add(message.GetType().Name);
            }
        }
        throw new Xunit.Sdk.XunitException($"No matching {typeof(T).Name} within {wait}; skipped: [{string.Join(", ", skipped)}]");
    }

    private async Task<object?> NextAsync(TimeSpan wait)
    {
        if (wait <= TimeSpan.Zero)
        {
            return _received.Reader.TryRead(out var ready) ? Take(ready) : null;
        }
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return Take(await _received.Reader.ReadAsync(timeout.Token));
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private object Take((object Message, ActorRef? Sender) item)
    {
        LastSender = item.Sender;
        return item.Message;
    }

    private sealed class ProbeActor(ChannelWriter<(object, ActorRef?)> received) : Actor
    {
        public sealed record WatchCommand(ActorRef Actor, TaskCompletionSource Registered);

        protected override ValueTask ReceiveAsync(object message)
        {
            if (message is WatchCommand watch)
            {
                Context.Watch(watch.Actor);
                watch.Registered.TrySetResult();
            }
            else
            {
                received.TryWrite((message, Sender));
            }
            return default;
        }
    }
}
