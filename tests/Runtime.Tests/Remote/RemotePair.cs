using System.Security.Cryptography;
using Actors.Runtime.Remote;
using Actors.Runtime.Remote.Handshake;
using Actors.Runtime.Remote.Transport;
using Actors.TestKit;

namespace Actors.Runtime.Tests.Remote;

/// <summary>Two actor systems ("server" listening, "client" connected) over a chosen transport.</summary>
internal sealed class RemotePair : IAsyncDisposable
{
    public static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private RemotePair(ActorSystem server, Remoting serverRemote, ActorSystem client, Remoting clientRemote, TestLoggerProvider logs)
    {
        Server = server;
        ServerRemote = serverRemote;
        Client = client;
        ClientRemote = clientRemote;
        Logs = logs;
    }

    public ActorSystem Server { get; }

    public Remoting ServerRemote { get; }

    public ActorSystem Client { get; }

    public Remoting ClientRemote { get; }

    public TestLoggerProvider Logs { get; }

    public static ActorSystem NewSystem(string node, TestLoggerProvider logs, Type? allow = null) => ActorSystem.Create(new ActorSystemOptions
    {
        NodeName = node,
        Serializer = allow is null ? new SerializerOptions() : new SerializerOptions().Allow(allow),
    }, logs.CreateFactory());

    public static Remoting Remote(ActorSystem system, ITransport transport, byte[]? key = null, RemoteOptions? options = null) =>
        new(system, options ?? new RemoteOptions(), key ?? Key, new NodeInfo(system.Options.NodeName, Environment.ProcessId, "localhost", 2), transport);

    public static string NewUnixAddress() => $"unix:@actors-test-{Environment.ProcessId}-{Guid.NewGuid():N}";

    public static async Task<RemotePair> StartAsync(ITransport transport, string address, RemoteOptions? options = null, bool serverAllowsTestTypes = true)
    {
        var logs = new TestLoggerProvider();
        ActorSystem server = NewSystem("server", logs, serverAllowsTestTypes ? typeof(RemotePair) : null);
        Remoting serverRemote = Remote(server, transport, options: options);
        await serverRemote.ListenAsync(address, CancellationToken.None);
        ActorSystem client = NewSystem("client", logs, typeof(RemotePair));
        Remoting clientRemote = Remote(client, transport, options: options);
        clientRemote.DefaultRoute = await clientRemote.ConnectAsync(address, CancellationToken.None);
        await WaitUntilAsync(() => serverRemote.Find("client") is not null);
        return new RemotePair(server, serverRemote, client, clientRemote, logs);
    }

    /// <summary>A reference, on the client, to an actor spawned on the server.</summary>
    public ActorRef OnServer(Props props, string? name = null) => Client.Resolve(Server.Spawn(props, name).Id);

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + TestKitTimes.Dilated(timeout ?? TimeSpan.FromSeconds(5));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The condition did not become true in time.");
            }
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.ShutdownAsync();
        await Server.ShutdownAsync();
    }
}
