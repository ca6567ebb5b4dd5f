using Actors.Runtime.Remote.Transport;
using Actors.TestKit;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Remote;

/// <summary>One behaviour suite, run over the in-memory transport and over real Unix domain sockets.</summary>
public abstract class RemotingBehaviourTests : IAsyncLifetime
{
    private RemotePair? _pair;

    private protected abstract ITransport Transport { get; }

    protected abstract string Address { get; }

    private RemotePair Pair => _pair!;

    public async Task InitializeAsync() => _pair = await RemotePair.StartAsync(Transport, Address);

    public async Task DisposeAsync() => await Pair.DisposeAsync();

    public sealed record Carrier(ActorRef ReplyTo, string Text);

    public sealed record Big(byte[] Data);

    public sealed record Holder(object Value);

    [Fact]
    public async Task Ask_AcrossNodes_GetsReply()
    {
        ActorRef echo = Pair.OnServer(Props.Create<Echo>());
        Assert.Equal("hi", await echo.AskAsync<string>("hi"));
        Assert.Equal(new[] { 1.5, 2.5 }, await echo.AskAsync<double[]>(new[] { 1.5, 2.5 }));
    }

    [Fact]
    public async Task Ask_RemoteHandlerThrows_AskerGetsOriginalExceptionType()
    {
        ActorRef counter = Pair.OnServer(Props.Create(() => new Counter()));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.AskAsync<int>(new Boom("remote boom")));
        Assert.Equal("remote boom", ex.Message);
    }

    [Fact]
    public async Task Ask_RemoteActorMissing_FailsAtOnce()
    {
        ActorRef ghost = Pair.Client.Resolve(new ActorId("server", "/user/ghost", 7));
        await Assert.ThrowsAsync<ActorTerminatedException>(() => ghost.AskAsync<int>(1, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task ActorRefInsideMessage_ArrivesWorking()
    {
        var probe = new TestProbe(Pair.Client);
        ActorRef forwarder = Pair.OnServer(Props.Create<Replier>());
        forwarder.Tell(new Carrier(probe.Ref, "via server"));
        await probe.ExpectMsgAsync("via server");
    }

    [Fact]
    public async Task Watch_RemoteActorStops_TerminatedExactlyOnce()
    {
        var probe = new TestProbe(Pair.Client);
        ActorRef echo = Pair.OnServer(Props.Create<Echo>());
        await probe.WatchAsync(echo); // its request is on the connection ahead of the stop below
        await echo.AskAsync<int>(1);
        await Pair.Client.StopAsync(echo);
        Terminated terminated = await probe.ExpectTerminatedAsync(echo);
        Assert.False(terminated.NodeLost);
        await probe.ExpectNoMsgAsync();
    }

    [Fact]
    public async Task NodeLost_WatchersToldAndPendingAsksFailAtOnce()
    {
        var probe = new TestProbe(Pair.Client);
        ActorRef silent = Pair.OnServer(Props.Create(() => new Counter()));
        await probe.WatchAsync(silent);
        Task<int> pending = silent.AskAsync<int>("inc", TimeSpan.FromSeconds(30)); // never answered
        await Pair.ServerRemote.DisposeAsync(); // the server node goes away
        var ex = await Assert.ThrowsAsync<NodeLostException>(() => pending).WaitAsync(TestKitTimes.Dilated(TimeSpan.FromSeconds(5)));
        Assert.Equal("server", ex.Node);
        Terminated terminated = await probe.ExpectTerminatedAsync(silent);
        Assert.True(terminated.NodeLost);
    }

    [Fact]
    public async Task LargeMessage_DeliveredIntact_AndSmallOnesStillFlow()
    {
        ActorRef echo = Pair.OnServer(Props.Create<Echo>());
        byte[] data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        Task<Big> big = echo.AskAsync<Big>(new Big(data));
        Task<int>[] small = [.. Enumerable.Range(0, 50).Select(i => echo.AskAsync<int>(i))];
        Assert.Equal(Enumerable.Range(0, 50), await Task.WhenAll(small));
        Assert.Equal(data, (await big).Data);
    }

    [Fact]
    public async Task MessagesToOneActor_KeepTheirOrder_AcrossALargeMessage()
    {
        ActorRef recorder = Pair.OnServer(Props.Create<Recorder>());
        recorder.Tell(1);
        recorder.Tell(new Big(new byte[1 << 20]));
        recorder.Tell(2);
        Assert.Equal(["Int32", "Big", "Int32"], await recorder.AskAsync<List<string>>("log"));
    }

    [Fact]
    public async Task OverLimitMessage_SenderGetsClearException_ConnectionStaysUp()
    {
        ActorRef echo = Pair.OnServer(Props.Create<Echo>());
        var ex = Assert.Throws<MessageTooLargeException>(() => echo.Tell(new Big(new byte[RemoteOptions.DefaultMaxMessageSize + 1])));
        Assert.Contains("MaxMessageSize", ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, await echo.AskAsync<int>(5));
    }

    [Fact]
    public async Task UnserializableMessage_FailsAtTheCallerNamingThePath()
    {
        ActorRef echo = Pair.OnServer(Props.Create<Echo>());
        var ex = Assert.Throws<PayloadSerializationException>(() => echo.Tell(new Holder(new MemoryStream())));
        Assert.StartsWith("Holder.Value: type MemoryStream cannot be serialized", ex.Message, StringComparison.Ordinal);
        Assert.Equal(6, await echo.AskAsync<int>(6));
    }

    private sealed class Recorder : Actor
    {
        private readonly List<string> _log = [];

        protected override ValueTask ReceiveAsync(object message)
        {
            if (message is "log") Context.Respond(_log);
            else _log.Add(message.GetType().Name);
            return default;
        }
    }

    private sealed class Replier : Actor
    {
        protected override ValueTask ReceiveAsync(object message)
        {
            if (message is Carrier carrier)
            {
                carrier.ReplyTo.Tell(carrier.Text);
            }
            return default;
        }
    }
}

public sealed class InMemoryRemotingTests : RemotingBehaviourTests
{
    private protected override ITransport Transport { get; } = new InMemoryTransport();

    protected override string Address { get; } = "memory:server";
}

public sealed class UnixSocketRemotingTests : RemotingBehaviourTests
{
    private protected override ITransport Transport => SocketTransport.Instance;

    protected override string Address { get; } = RemotePair.NewUnixAddress();
}

public sealed class TcpRemotingTests : RemotingBehaviourTests
{
    private static int s_port = 47_000 + (Environment.ProcessId % 1000) * 10;

    private protected override ITransport Transport => SocketTransport.Instance;

    protected override string Address { get; } = $"tcp:127.0.0.1:{Interlocked.Increment(ref s_port)}";
}
