using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Actors.Runtime.Remote;
using Actors.Runtime.Remote.Framing;
using Actors.Runtime.Remote.Transport;
using Actors.TestKit;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Remote;

/// <summary>Bad peers over real Unix sockets: each is refused alone, and the server keeps serving good peers.</summary>
public sealed class WireFailureTests : IAsyncLifetime, IDisposable
{
    private readonly TestLoggerProvider _logs = new();
    private readonly string _address = RemotePair.NewUnixAddress();
    private ActorSystem _server = null!;
    private Remoting _serverRemote = null!;

    public async Task InitializeAsync()
    {
        _server = RemotePair.NewSystem("server", _logs, typeof(WireFailureTests));
        // Short enough for the silent-peer test, long enough for an honest client's handshake on a loaded machine
        // (500 ms once failed one in CI, with the other test assemblies' workers running alongside).
        _serverRemote = RemotePair.Remote(_server, SocketTransport.Instance, options: new RemoteOptions { HandshakeTimeout = TestKitTimes.Dilated(TimeSpan.FromSeconds(2)) });
        await _serverRemote.ListenAsync(_address, CancellationToken.None);
    }

    public Task DisposeAsync() => _server.ShutdownAsync();

    public void Dispose() => _logs.Dispose();

    private async Task<Socket> RawConnectAsync()
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint("\0" + _address[6..]));
        return socket;
    }

    /// <summary>True when the server closed the socket (read returns 0 or fails) within the dilated timeout.</summary>
    private static async Task<bool> ClosedByPeerAsync(Socket socket)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TestKitTimes.Dilated(TimeSpan.FromSeconds(5)));
        try
        {
            while (true)
            {
                if (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) == 0) return true;
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A well-behaved client can still connect and ask.</summary>
    private async Task AssertServerStillServesAsync()
    {
        ActorSystem client = RemotePair.NewSystem("client-" + Guid.NewGuid().ToString("N")[..6], _logs, typeof(WireFailureTests));
        try
        {
            Remoting remote = RemotePair.Remote(client, SocketTransport.Instance);
            remote.DefaultRoute = await remote.ConnectAsync(_address, CancellationToken.None);
            ActorRef echo = client.Resolve(_server.Spawn(Props.Create<Echo>()).Id);
            Assert.Equal(11, await echo.AskAsync<int>(11));
        }
        finally
        {
            await client.ShutdownAsync();
        }
    }

    [Fact]
    public async Task GarbageBeforeHandshake_ConnectionClosed_ServerKeepsServing()
    {
        using Socket socket = await RawConnectAsync();
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.True(await ClosedByPeerAsync(socket));
        await AssertServerStillServesAsync();
        Assert.Contains(_logs.Lines, l => l.Message.Contains("was refused", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LengthFieldOverLimit_RejectedBeforeAllocating()
    {
        using Socket socket = await RawConnectAsync();
        byte[] header = new byte[5];
        BinaryPrimitives.WriteUInt32LittleEndian(header, uint.MaxValue);
        header[4] = (byte)FrameKind.Hello;
        await socket.SendAsync(header);
        Assert.True(await ClosedByPeerAsync(socket));
        Assert.Contains(_logs.Lines, l => l.Message.Contains("over the limit", StringComparison.Ordinal));
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task PeerThatNeverSpeaks_IsDisconnectedAfterHandshakeTimeout()
    {
        using Socket socket = await RawConnectAsync();
        Assert.True(await ClosedByPeerAsync(socket));
        Assert.Contains(_logs.Lines, l => l.Message.Contains("did not complete the handshake", StringComparison.Ordinal));
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task TruncatedFrame_ThenClose_IsAFrameErrorNotAHang()
    {
        using Socket socket = await RawConnectAsync();
        byte[] partial = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(partial, 100);
        partial[4] = (byte)FrameKind.Hello;
        await socket.SendAsync(partial);
        socket.Shutdown(SocketShutdown.Send);
        Assert.True(await ClosedByPeerAsync(socket));
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task WrongKey_FailsOnBothSides_NothingElseAffected()
    {
        ActorSystem intruder = RemotePair.NewSystem("intruder", _logs);
        try
        {
            Remoting remote = RemotePair.Remote(intruder, SocketTransport.Instance, key: RandomNumberGenerator.GetBytes(32));
            var ex = await Assert.ThrowsAsync<AuthenticationException>(() => remote.ConnectAsync(_address, CancellationToken.None));
            Assert.Contains("secret key", ex.Message, StringComparison.Ordinal);
            await RemotePair.WaitUntilAsync(() => _logs.Lines.Any(l => l.Message.Contains("was refused", StringComparison.Ordinal)));
            Assert.Null(_serverRemote.Find("intruder"));
        }
        finally
        {
            await intruder.ShutdownAsync();
        }
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task GarbageAfterHandshake_ClosesOnlyThatConnection()
    {
        await using var pair = await RemotePair.StartAsync(new GarbageAfterHandshakeTransport(), "memory:garbage");
        await RemotePair.WaitUntilAsync(() => pair.ServerRemote.Find("client") is null);
        Assert.Contains(pair.Logs.Lines, l => l.Message.Contains("bad frame", StringComparison.Ordinal));
        await AssertServerStillServesAsync();
    }

    [Fact]
    public async Task PayloadThatFailsToDecode_FailsThatAskOnly_ConnectionStaysUp()
    {
        // The client may send the test assembly's types; the server does not allow them, so only that message fails.
        await using var pair = await RemotePair.StartAsync(new InMemoryTransport(), "memory:decode", serverAllowsTestTypes: false);
        ActorRef echo = pair.OnServer(Props.Create<Echo>());
        var ex = await Assert.ThrowsAsync<PayloadSerializationException>(() => echo.AskAsync<object>(new ClientOnly.Secret(1)));
        Assert.Contains("allow-list", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, await echo.AskAsync<int>(3));
    }

    [Fact]
    public async Task FrameDecoderFuzz_OnlyFrameErrorsOrFrames()
    {
        var random = new Random(42);
        for (int round = 0; round < 2000; round++)
        {
            byte[] bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 4 && random.Next(2) == 0)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)random.Next(0, 80)); // a plausible length now and then
                bytes[4] = (byte)random.Next(1, 16);
            }
            var pipe = new Pipe();
            await pipe.Writer.WriteAsync(bytes);
            await pipe.Writer.CompleteAsync();
            using var reader = new FrameReader(pipe.Reader, 100, 1000);
            try
            {
                while (await reader.ReadAsync(CancellationToken.None) is { } frame)
                {
                    frame.Body.Dispose();
                }
            }
            catch (FrameException)
            {
            }
        }
    }

    /// <summary>Connections whose client side writes garbage right after the handshake completes.</summary>
    private sealed class GarbageAfterHandshakeTransport : ITransport
    {
        private readonly InMemoryTransport _inner = new();

        public ValueTask<IListener> ListenAsync(string address, CancellationToken cancellationToken) => _inner.ListenAsync(address, cancellationToken);

        public async ValueTask<IConnection> ConnectAsync(string address, CancellationToken cancellationToken)
        {
            IConnection connection = await _inner.ConnectAsync(address, cancellationToken);
            _ = Task.Run(async () =>
            {
                await Task.Delay(300);
                await connection.Output.WriteAsync(new byte[] { 3, 0, 0, 0, 99, 1, 2, 3 });
            }, CancellationToken.None);
            return connection;
        }
    }
}

/// <summary>A type only the client's allow-list holds.</summary>
public static class ClientOnly
{
    public sealed record Secret(int Value);
}
