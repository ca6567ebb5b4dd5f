using System.IO.Pipelines;

namespace Actors.Runtime.Lane.Transport;

/// <summary>A byte stream to one peer, as a pipe pair. Disposing closes it.</summary>
internal interface IConnection : IAsyncDisposable
{
    PipeReader Input { get; }

    PipeWriter Output { get; }

    /// <summary>Who is on the other side, for logs and messages.</summary>
    string RemoteDescription { get; }

    /// <summary>
    /// Completes once the connection may carry data: at once, or after an accepted TLS connection's handshake (which
    /// throws for a peer without the certificate). The listener's side calls it with its handshake timeout.
    /// </summary>
    ValueTask ReadyAsync(CancellationToken cancellationToken) => default;
}

/// <summary>Accepts connections at one address until disposed.</summary>
internal interface IListener : IAsyncDisposable
{
    /// <summary>The address peers connect to (for example <c>unix:@actors-123-abc</c> or <c>tcp:127.0.0.1:4000</c>).</summary>
    string Address { get; }

    ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken);
}

/// <summary>Opens connections and listeners for one kind of address.</summary>
internal interface ITransport
{
    ValueTask<IListener> ListenAsync(string address, CancellationToken cancellationToken);

    ValueTask<IConnection> ConnectAsync(string address, CancellationToken cancellationToken);
}
