using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;

namespace Actors.Runtime.Lane.Transport;

/// <summary>Connections as pairs of in-process pipes, for testing the layers above the sockets.</summary>
internal sealed class InMemoryTransport : ITransport
{
    private readonly ConcurrentDictionary<string, Channel<IConnection>> _listeners = new(StringComparer.Ordinal);

    public ValueTask<IListener> ListenAsync(string address, CancellationToken cancellationToken)
    {
        var pending = Channel.CreateUnbounded<IConnection>();
        if (!_listeners.TryAdd(address, pending))
        {
            throw new InvalidOperationException($"Something already listens at {address}.");
        }
        return new ValueTask<IListener>(new Listener(this, address, pending));
    }

    public async ValueTask<IConnection> ConnectAsync(string address, CancellationToken cancellationToken)
    {
        if (!_listeners.TryGetValue(address, out Channel<IConnection>? pending))
        {
            throw new IOException($"Connection refused: nothing listens at {address}.");
        }
        var toServer = new Pipe();
        var toClient = new Pipe();
        await pending.Writer.WriteAsync(new Connection(toServer.Reader, toClient.Writer, "client of " + address), cancellationToken).ConfigureAwait(false);
        return new Connection(toClient.Reader, toServer.Writer, address);
    }

    private sealed class Listener(InMemoryTransport owner, string address, Channel<IConnection> pending) : IListener
    {
        public string Address => address;

        public ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken) => pending.Reader.ReadAsync(cancellationToken);

        public ValueTask DisposeAsync()
        {
            owner._listeners.TryRemove(address, out _);
            pending.Writer.TryComplete();
            return default;
        }
    }

    private sealed class Connection(PipeReader input, PipeWriter output, string description) : IConnection
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;

        public string RemoteDescription => description;

        public async ValueTask DisposeAsync()
        {
            await input.CompleteAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }
}
