using Actors.Runtime.Lane;
using Actors.Runtime.Lane.Transport;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Runtime.Tests.Lane;

/// <summary>The lane's behaviour, run against every transport: an in-memory one, real Unix sockets, and TCP inside mutual TLS.</summary>
public abstract class LaneBehaviourTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private LanePair? _pair;

    private protected abstract ITransport Transport { get; }

    protected abstract string Address { get; }

    private LanePair Pair => _pair!;

    public async Task InitializeAsync() =>
        _pair = await LanePair.StartAsync(Sys, Transport, Address, Sys.ActorOf(Props.Create<EchoInbox>()), TestActor);

    async Task IAsyncLifetime.DisposeAsync() => await Pair.DisposeAsync();

    public sealed record Carrier(IActorRef ReplyTo, string Text);

    public sealed record Big(byte[] Data);

    public sealed record Holder(object Value);

    private static TimeSpan Timeout => TestTimes.Dilated(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Ask_AcrossTheLane_TheInboxRepliesOnIt()
    {
        Assert.Equal("hi", await Pair.Client.AskAsync<string>("hi", Timeout));
        Assert.Equal(new[] { 1.5, 2.5 }, await Pair.Client.AskAsync<double[]>(new[] { 1.5, 2.5 }, Timeout));
    }

    [Fact]
    public async Task Ask_InboxFails_AskerGetsOriginalExceptionType()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Pair.Client.AskAsync<int>(new Boom("remote boom"), Timeout));
        Assert.Equal("remote boom", ex.Message);
    }

    [Fact]
    public void Tell_ArrivesAtTheInbox_AsARequestThatExpectsNoReply()
    {
        Pair.Server.Tell("one way");
        LaneRequest request = ExpectMsg<LaneRequest>(Timeout);
        Assert.Equal("one way", request.Message);
        Assert.False(request.ExpectsReply);
    }

    [Fact]
    public void ActorRefInsideMessage_ArrivesWorking()
    {
        IActorRef probe = CreateTestProbe().Ref;
        Pair.Server.Tell(new Carrier(probe, "via the lane"));
        var carrier = (Carrier)ExpectMsg<LaneRequest>(Timeout).Message;
        Assert.Equal(probe, carrier.ReplyTo);
    }

    [Fact]
    public async Task LaneLost_PendingAsksFailAtOnce_NamingThePeer()
    {
        Task<int> pending = Pair.Server.AskAsync<int>("never answered", TimeSpan.FromSeconds(60)); // the client's inbox is the test actor
        ExpectMsg<LaneRequest>(Timeout);
        await Pair.Client.DisposeAsync();
        var ex = await Assert.ThrowsAsync<NodeLostException>(() => pending).WaitAsync(Timeout);
        Assert.Equal("client", ex.Node);
        await Assert.ThrowsAsync<NodeLostException>(() => Pair.Server.AskAsync<int>(1, Timeout));
    }

    [Fact]
    public async Task Ask_NoReplyInTime_TimesOut_TheLaneStaysUp()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => Pair.Server.AskAsync<int>("silence", TimeSpan.FromMilliseconds(100)));
        Assert.Equal(4, await Pair.Client.AskAsync<int>(4, Timeout));
    }

    [Fact]
    public async Task LargeMessage_DeliveredIntact_AndSmallOnesStillFlow()
    {
        byte[] data = new byte[3 << 20];
        new Random(7).NextBytes(data);
        Task<Big> big = Pair.Client.AskAsync<Big>(new Big(data), Timeout);
        Task<int>[] small = [.. Enumerable.Range(0, 50).Select(i => Pair.Client.AskAsync<int>(i, Timeout))];
        Assert.Equal(Enumerable.Range(0, 50), await Task.WhenAll(small));
        Assert.Equal(data, (await big).Data);
    }

    [Fact]
    public async Task ManyThreadsAskingAtOnce_SmallAndFragmentedMessages_EveryReplyIsItsOwn()
    {
        // Small frames are written inline by the caller while the writer is idle, queued otherwise; large ones always queue.
        byte[] large = new byte[200_000];
        new Random(11).NextBytes(large);
        Task[] askers = [.. Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                if (i % 25 == t)
                {
                    Assert.Equal(large, (await Pair.Client.AskAsync<Big>(new Big(large), Timeout)).Data);
                }
                else
                {
                    Assert.Equal($"{t}/{i}", await Pair.Client.AskAsync<string>($"{t}/{i}", Timeout));
                }
            }
        }))];
        await Task.WhenAll(askers).WaitAsync(Timeout);
    }

    [Fact]
    public void MessagesWithOneOrderKey_KeepTheirOrder_AcrossALargeMessage()
    {
        Pair.Server.Tell(1, "key");
        Pair.Server.Tell(new Big(new byte[1 << 20]), "key");
        Pair.Server.Tell(2, "key");
        Assert.Equal(1, ExpectMsg<LaneRequest>(Timeout).Message);
        Assert.IsType<Big>(ExpectMsg<LaneRequest>(Timeout).Message);
        Assert.Equal(2, ExpectMsg<LaneRequest>(Timeout).Message);
    }

    [Fact]
    public async Task OverLimitMessage_SenderGetsClearException_LaneStaysUp()
    {
        var ex = Assert.Throws<MessageTooLargeException>(() => Pair.Client.Tell(new Big(new byte[LaneOptions.DefaultMaxMessageSize + 1])));
        Assert.Contains("MaxMessageSize", ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, await Pair.Client.AskAsync<int>(5, Timeout));
    }

    [Fact]
    public async Task UnserializableMessage_FailsAtTheCallerNamingThePath()
    {
        var ex = Assert.Throws<PayloadSerializationException>(() => Pair.Client.Tell(new Holder(new MemoryStream())));
        Assert.StartsWith("Holder.Value: type MemoryStream cannot be serialized", ex.Message, StringComparison.Ordinal);
        Assert.Equal(6, await Pair.Client.AskAsync<int>(6, Timeout));
    }
}

public sealed class InMemoryLaneTests : LaneBehaviourTests
{
    private protected override ITransport Transport { get; } = new InMemoryTransport();

    protected override string Address { get; } = "memory:" + Guid.NewGuid().ToString("N");
}

public sealed class UnixSocketLaneTests : LaneBehaviourTests
{
    private protected override ITransport Transport => SocketTransport.Instance;

    protected override string Address { get; } = LanePair.NewUnixAddress();

    /// <summary>The lane's sockets complete reads on .NET's event thread (one thread wake less per message); a .NET that drops the internal switch is noticed here.</summary>
    [Fact]
    public void TheRuntimeStillOffersPerSocketInlineCompletions()
    {
        Assert.NotNull(SocketTransport.PreferInlineCompletions);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        SocketTransport.PreferInlineCompletions!.SetValue(socket, true);
        System.Reflection.PropertyInfo read = typeof(System.Net.Sockets.SafeSocketHandle).GetProperty("PreferInlineCompletions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        Assert.Equal(true, read.GetValue(socket.SafeHandle)); // what .NET's socket event loop reads for each event
    }
}

/// <summary>The lane between machines: TCP inside mutual TLS with the cluster's certificate (a worker host's workers).</summary>
public sealed class TlsLaneTests : LaneBehaviourTests
{
    private static readonly System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate = Actors.Runtime.Nodes.NodeCertificate.Create();

    private protected override ITransport Transport { get; } = new SocketTransport(Certificate);

    protected override string Address => "tls:127.0.0.1:0";
}
