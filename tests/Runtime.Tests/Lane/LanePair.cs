using System.Security.Cryptography;
using Actors.Runtime.Lane;
using Actors.Runtime.Lane.Handshake;
using Actors.Runtime.Lane.Transport;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Runtime.Tests.Lane;

/// <summary>A listening "server" and a connected "client" lane over a chosen transport, each delivering into an actor of one Akka system.</summary>
internal sealed class LanePair : IAsyncDisposable
{
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private LanePair(LaneListener listener, LaneConnection server, LaneConnection client, TestLoggerProvider logs)
    {
        Listener = listener;
        Server = server;
        Client = client;
        Logs = logs;
    }

    public LaneListener Listener { get; }

    /// <summary>The server's end of the lane (its inbox is the server actor).</summary>
    public LaneConnection Server { get; }

    /// <summary>The client's end (its inbox is the client actor).</summary>
    public LaneConnection Client { get; }

    public TestLoggerProvider Logs { get; }

    public static IPayloadSerializer Serializer(ActorSystem system, bool allowTestTypes = true) =>
        new PayloadSerializer(allowTestTypes ? new SerializerOptions().Allow(typeof(LanePair)) : new SerializerOptions(), (ExtendedActorSystem)system);

    public static LaneListener Listen(ActorSystem system, ITransport transport, TestLoggerProvider logs, IActorRef inbox, LaneOptions? options = null, bool allowTestTypes = true)
    {
        var listener = new LaneListener(options ?? new LaneOptions(), Key, new NodeInfo("server", Environment.ProcessId, "localhost", 2), transport,
            Serializer(system, allowTestTypes), logs.CreateFactory().CreateLogger("server"));
        listener.Joined += lane => lane.Inbox = inbox;
        return listener;
    }

    public static async Task<LaneConnection> ConnectAsync(ActorSystem system, ITransport transport, string address, TestLoggerProvider logs, IActorRef inbox,
        byte[]? key = null, string node = "client")
    {
        LaneConnection lane = await LaneListener.ConnectAsync(transport, address, new NodeInfo(node, Environment.ProcessId, "localhost", 2), key ?? Key,
            new LaneOptions(), Serializer(system), logs.CreateFactory().CreateLogger(node), CancellationToken.None);
        lane.Inbox = inbox;
        lane.Start();
        return lane;
    }

    public static string NewUnixAddress() => $"unix:@actors-test-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public static async Task<LanePair> StartAsync(ActorSystem system, ITransport transport, string address, IActorRef serverInbox, IActorRef clientInbox,
        LaneOptions? options = null, bool serverAllowsTestTypes = true)
    {
        var logs = new TestLoggerProvider();
        var joined = new TaskCompletionSource<LaneConnection>(TaskCreationOptions.RunContinuationsAsynchronously);
        LaneListener listener = Listen(system, transport, logs, serverInbox, options, serverAllowsTestTypes);
        listener.Joined += lane => joined.TrySetResult(lane);
        string bound = await listener.ListenAsync(address, CancellationToken.None); // tcp:/tls: with port 0 are bound to a free port
        LaneConnection client = await ConnectAsync(system, transport, bound, logs, clientInbox);
        LaneConnection server = await joined.Task.WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(5)));
        return new LanePair(listener, server, client, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Listener.DisposeAsync();
    }
}

/// <summary>Answers every lane request with its own message, and fails those that ask it to.</summary>
internal sealed class EchoInbox : ReceiveActor
{
    public EchoInbox()
    {
        Receive<LaneRequest>(r => r.Message is Boom, r => r.Fail(new InvalidOperationException(((Boom)r.Message).Text)));
        Receive<LaneRequest>(r => r.Reply(r.Message));
    }
}

public sealed record Boom(string Text);
