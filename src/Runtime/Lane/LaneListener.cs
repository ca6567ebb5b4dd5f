using System.Collections.Concurrent;
using Actors.Messages;
using Actors.Runtime.Lane.Framing;
using Actors.Runtime.Lane.Handshake;
using Actors.Runtime.Lane.Transport;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Lane;

/// <summary>
/// The coordinator's end of the lanes: listens, runs the key challenge with each worker that connects
/// (nothing of a peer is decoded before it passes), keeps one connection per worker, and closes them all
/// on disposal. Workers connect with <see cref="ConnectAsync"/>.
/// </summary>
internal sealed partial class LaneListener(LaneOptions options, byte[] key, NodeInfo self, ITransport transport, IPayloadSerializer serializer, ILogger log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LaneConnection> _lanes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private int _disposed;

    /// <summary>Raised, on a pool thread, when a worker passes the key challenge; its lane starts right after.</summary>
    public event Action<LaneConnection>? Joined;

    public string? Address => _listener?.Address;

    public async Task<string> ListenAsync(string address, CancellationToken cancellationToken)
    {
        _listener = await transport.ListenAsync(address, cancellationToken).ConfigureAwait(false);
        _acceptLoop = Task.Run(AcceptLoopAsync, CancellationToken.None);
        return _listener.Address;
    }

    /// <summary>A worker's side: connects, passes the key challenge, and returns the lane unstarted (set its inbox, then start it).</summary>
    /// <exception cref="System.Security.Authentication.AuthenticationException">The peer does not hold the key.</exception>
    public static async Task<LaneConnection> ConnectAsync(ITransport transport, string address, NodeInfo self, byte[] key, LaneOptions options,
        IPayloadSerializer serializer, ILogger log, CancellationToken cancellationToken)
    {
        IConnection connection = await transport.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
        var reader = new FrameReader(connection.Input, Handshake.Handshake.MaxHandshakeFrame, 0);
        try
        {
            NodeInfo peer = await Handshake.Handshake.RunClientAsync(connection, reader, self, key, options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            return new LaneConnection(connection, reader, peer, options, serializer, log);
        }
        catch
        {
            reader.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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
                LogAcceptFailed(log, ex);
                continue;
            }
            _ = Task.Run(() => AcceptOneAsync(connection));
        }
    }

    private async Task AcceptOneAsync(IConnection connection)
    {
        var reader = new FrameReader(connection.Input, Handshake.Handshake.MaxHandshakeFrame, 0);
        LaneConnection lane;
        try
        {
            using (var tls = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
            {
                tls.CancelAfter(options.HandshakeTimeout);
                await connection.ReadyAsync(tls.Token).ConfigureAwait(false);
            }
            NodeInfo peer = await Handshake.Handshake.RunServerAsync(connection, reader, self, key, options.HandshakeTimeout, _stop.Token).ConfigureAwait(false);
            lane = new LaneConnection(connection, reader, peer, options, serializer, log);
        }
        catch (Exception ex)
        {
            // A wrong key, garbage, a silent peer: that connection is closed, nothing else is touched.
            LogHandshakeFailed(log, connection.RemoteDescription, ex.Message);
            reader.Dispose();
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (_lanes.TryGetValue(lane.Peer.Name, out LaneConnection? previous))
        {
            previous.MarkLost("it connected again; the old connection was replaced");
        }
        _lanes[lane.Peer.Name] = lane;
        Joined?.Invoke(lane);
        lane.Start();
        if (Volatile.Read(ref _disposed) == 1)
        {
            await lane.DisposeAsync().ConfigureAwait(false); // it joined while we were closing
        }
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
        await Task.WhenAll(_lanes.Values.Select(e => e.DisposeAsync().AsTask())).ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A connection from {Remote} was refused: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Accepting a connection failed")]
    private static partial void LogAcceptFailed(ILogger logger, Exception exception);
}
