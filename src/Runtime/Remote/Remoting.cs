using System.Collections.Concurrent;
using Actors.Runtime.Remote.Framing;
using Actors.Runtime.Remote.Handshake;
using Actors.Runtime.Remote.Transport;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Remote;

/// <summary>
/// The endpoint manager of one actor system: listens, connects, authenticates, keeps one endpoint
/// per node, resolves remote actor ids to working references, and relays frames for nodes it knows
/// when the sender does not (workers reach each other through the coordinator).
/// </summary>
internal sealed partial class Remoting : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Endpoint.Endpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly ITransport _transport;
    private readonly byte[] _key;
    private readonly CancellationTokenSource _stop = new();
    private IListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    public Remoting(ActorSystem system, RemoteOptions options, byte[] key, NodeInfo self, ITransport transport)
    {
        System = system;
        Options = options;
        Self = self;
        _key = key;
        _transport = transport;
        Logger = system.LoggerFactory.CreateLogger("Actors.Remoting");
        system.Remote = this;
    }

    public ActorSystem System { get; }

    public RemoteOptions Options { get; }

    public NodeInfo Self { get; }

    public ILogger Logger { get; }

    /// <summary>Where ids of nodes without an endpoint of their own are sent (a worker's coordinator).</summary>
    public Endpoint.Endpoint? DefaultRoute { get; set; }

    /// <summary>Raised, on a pool thread, when a node passes the key challenge.</summary>
    public event Action<Endpoint.Endpoint>? NodeJoined;

    /// <summary>Raised once per endpoint when its node is lost or closed.</summary>
    public event Action<Endpoint.Endpoint, string>? NodeLost;

    public string? ListenAddress => _listener?.Address;

    public async Task<string> ListenAsync(string address, CancellationToken cancellationToken)
    {
        _listener = await _transport.ListenAsync(address, cancellationToken).ConfigureAwait(false);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return _listener.Address;
    }

    public async Task<Endpoint.Endpoint> ConnectAsync(string address, CancellationToken cancellationToken)
    {
        IConnection connection = await _transport.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        var reader = new FrameReader(connection.Input, Handshake.Handshake.MaxHandshakeFrame, 0);
        try
        {
            NodeInfo peer = await Handshake.Handshake.RunClientAsync(connection, reader, Self, _key, Options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            return AddEndpoint(connection, reader, peer);
        }
        catch
        {
            reader.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public Endpoint.Endpoint? Find(string node) => _endpoints.GetValueOrDefault(node);

    public ActorRef? Resolve(ActorId id)
    {
        Endpoint.Endpoint? endpoint = _endpoints.GetValueOrDefault(id.Node) ?? DefaultRoute;
        return endpoint is null ? null : new ActorRef(id, new Endpoint.RemoteTarget(endpoint, id, System));
    }

    /// <summary>Passes a frame on to the node it is addressed to, without decoding its payload.</summary>
    public void Relay(ActorId target, FrameKind kind, PooledBuffer body)
    {
        if (_endpoints.TryGetValue(target.Node, out Endpoint.Endpoint? endpoint))
        {
            var copy = new PooledBuffer(body.Length);
            body.Span.CopyTo(copy.GetSpan(body.Length));
            copy.Advance(body.Length);
            endpoint.Enqueue(kind, copy, target);
        }
        else
        {
            LogUnroutable(Logger, target);
        }
    }

    internal void OnEndpointLost(Endpoint.Endpoint endpoint, string reason)
    {
        _endpoints.TryRemove(new KeyValuePair<string, Endpoint.Endpoint>(endpoint.Peer.Name, endpoint));
        NodeLost?.Invoke(endpoint, reason);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            IConnection connection;
            try
            {
                connection = await _listener!.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogAcceptFailed(Logger, ex);
                continue;
            }
            _ = Task.Run(() => AcceptOneAsync(connection));
        }
    }

    private async Task AcceptOneAsync(IConnection connection)
    {
        var reader = new FrameReader(connection.Input, Handshake.Handshake.MaxHandshakeFrame, 0);
        try
        {
            NodeInfo peer = await Handshake.Handshake.RunServerAsync(connection, reader, Self, _key, Options.HandshakeTimeout, _stop.Token).ConfigureAwait(false);
            AddEndpoint(connection, reader, peer);
        }
        catch (Exception ex)
        {
            // A wrong key, garbage, a silent peer: that connection is closed, nothing else is touched.
            LogHandshakeFailed(Logger, connection.RemoteDescription, ex.Message);
            reader.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Endpoint.Endpoint AddEndpoint(IConnection connection, FrameReader reader, NodeInfo peer)
    {
        reader.MaxFrameBody = Endpoint.Endpoint.FragmentSize + 8;
        reader.MaxMessage = Options.MaxMessageSize;
        var endpoint = new Endpoint.Endpoint(this, connection, reader, peer);
        if (_endpoints.TryGetValue(peer.Name, out Endpoint.Endpoint? previous))
        {
            previous.MarkLost("it connected again; the old connection was replaced");
        }
        _endpoints[peer.Name] = endpoint;
        endpoint.Start();
        NodeJoined?.Invoke(endpoint);
        return endpoint;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stop.Cancel();
        if (_listener is not null)
        {
            await _listener.DisposeAsync().ConfigureAwait(false);
        }
        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_endpoints.Values.Select(e => e.DisposeAsync().AsTask())).ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connection from {Remote} was refused: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Accepting a connection failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A frame for {Target} cannot be relayed: no connection to that node")]
    private static partial void LogUnroutable(ILogger logger, ActorId target);
}
