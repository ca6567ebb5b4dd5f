using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Actors.Runtime.Lane.Transport;

/// <summary>
/// Unix domain sockets (<c>unix:@name</c> for Linux's abstract namespace, which leaves no file behind
/// even when the process is killed; <c>unix:/path</c> for a file) and TCP (<c>tcp:host:port</c>;
/// port 0 picks a free one). Both become pipe pairs over a <see cref="NetworkStream"/>. <c>tls:host:port</c> is TCP
/// inside mutual TLS (the base library's <see cref="SslStream"/>): both sides present <paramref name="certificate"/> and
/// accept only a peer that presents the same one (pinned by thumbprint, as Akka.Remote's connections are), so lane
/// traffic between machines is encrypted and a stranger is refused before the key challenge even starts.
/// </summary>
internal sealed class SocketTransport(X509Certificate2? certificate = null) : ITransport
{
    public static SocketTransport Instance { get; } = new();

    public async ValueTask<IListener> ListenAsync(string address, CancellationToken cancellationToken)
    {
        (EndPoint endPoint, AddressFamily family, ProtocolType protocol) = Parse(address);
        var socket = new Socket(family, SocketType.Stream, protocol);
        try
        {
            socket.Bind(endPoint);
            socket.Listen(128);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        await Task.CompletedTask.ConfigureAwait(false);
        string scheme = address.StartsWith("tls:", StringComparison.Ordinal) ? "tls" : "tcp";
        string bound = socket.LocalEndPoint is IPEndPoint ip ? $"{scheme}:{ip.Address}:{ip.Port}" : address;
        return new SocketListener(socket, bound, address.StartsWith("unix:/", StringComparison.Ordinal) ? address[5..] : null, Tls(address));
    }

    /// <summary>The certificate a <c>tls:</c> address needs; null for the others.</summary>
    private X509Certificate2? Tls(string address) => !address.StartsWith("tls:", StringComparison.Ordinal) ? null
        : certificate ?? throw new ArgumentException($"'{address}' is a TLS address, and this transport has no certificate.", nameof(address));

    public async ValueTask<IConnection> ConnectAsync(string address, CancellationToken cancellationToken)
    {
        (EndPoint endPoint, AddressFamily family, ProtocolType protocol) = Parse(address);
        var socket = new Socket(family, SocketType.Stream, protocol);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return await WrapAsync(socket, address, Tls(address), client: true, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static (EndPoint, AddressFamily, ProtocolType) Parse(string address)
    {
        if (address.StartsWith("unix:", StringComparison.Ordinal))
        {
            string path = address[5..];
            // A leading '@' is the usual spelling of Linux's abstract namespace (a NUL byte on the wire).
            return (new UnixDomainSocketEndPoint(path.StartsWith('@') ? "\0" + path[1..] : path), AddressFamily.Unix, ProtocolType.Unspecified);
        }
        if (address.StartsWith("tcp:", StringComparison.Ordinal) || address.StartsWith("tls:", StringComparison.Ordinal))
        {
            int colon = address.LastIndexOf(':');
            if (colon > 4 && int.TryParse(address.AsSpan(colon + 1), out int port) && port is >= 0 and <= 65535)
            {
                string host = address[4..colon].Trim('[', ']');
                IPAddress ip = IPAddress.TryParse(host, out IPAddress? parsed) ? parsed
                    : Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"Cannot resolve host '{host}' of '{address}'.", nameof(address));
                return (new IPEndPoint(ip, port), ip.AddressFamily, ProtocolType.Tcp);
            }
        }
        throw new ArgumentException($"'{address}' is not a transport address: use unix:@name, unix:/path, tcp:host:port or tls:host:port.", nameof(address));
    }

    /// <summary>
    /// .NET's <c>Socket.PreferInlineCompletions</c> (internal, "experimental", kept for reflection by the runtime's own
    /// <c>DynamicDependency</c>): a lane socket's reads complete on .NET's socket event thread instead of being handed to a
    /// thread-pool thread. The lane's reader only decodes a frame and hands it to an actor or a waiting task, so nothing
    /// blocks there, and each message read costs one thread wake less: a Pool.ApplyAsync round trip took about 30% less
    /// time here (bench apply_async_latency, remote_ask). Only the lane's own sockets are affected, never the app's
    /// (the process-wide switch, DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS, would be). Null if a later .NET drops it:
    /// then the lane works as before, a wake slower.
    /// </summary>
    internal static readonly System.Reflection.PropertyInfo? PreferInlineCompletions =
        typeof(Socket).GetProperty("PreferInlineCompletions", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic) is { CanWrite: true } property
        && property.PropertyType == typeof(bool) ? property : null;

    private static async ValueTask<IConnection> WrapAsync(Socket socket, string description, X509Certificate2? tls, bool client, CancellationToken cancellationToken)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true; // frames are already coalesced by the endpoint's writer
        }
        PreferInlineCompletions?.SetValue(socket, true);
        var stream = new NetworkStream(socket, ownsSocket: true);
        if (tls is null)
        {
            return new SocketConnection(stream, description, null);
        }
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, presented, _, _) => presented is not null && presented.GetCertHashString() == tls.GetCertHashString());
        var collection = new X509CertificateCollection { tls };
        Func<CancellationToken, Task> authenticate = client
            ? token => ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "actors-node", ClientCertificates = collection, EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, token)
            : token => ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = tls, ClientCertificateRequired = true, EnabledSslProtocols = SslProtocols.Tls13 | SslProtocols.Tls12,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, token);
        var connection = new SocketConnection(ssl, description, authenticate);
        if (client)
        {
            try
            {
                await connection.ReadyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return connection;
    }

    private sealed class SocketListener(Socket socket, string address, string? filePath, X509Certificate2? tls) : IListener
    {
        public string Address => address;

        /// <summary>Returns at once; a <c>tls:</c> connection's TLS handshake runs in <see cref="IConnection.ReadyAsync"/>, in the caller's task for that peer.</summary>
        public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken)
        {
            Socket accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            string remote = accepted.RemoteEndPoint?.ToString() is { Length: > 0 } r ? r : address + " (peer)";
            return await WrapAsync(accepted, remote, tls, client: false, cancellationToken).ConfigureAwait(false);
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            if (filePath is not null)
            {
                try { File.Delete(filePath); } catch (IOException) { } // best effort: the file is ours
            }
            return default;
        }
    }

    private sealed class SocketConnection(Stream stream, string description, Func<CancellationToken, Task>? authenticate) : IConnection
    {
        public async ValueTask ReadyAsync(CancellationToken cancellationToken)
        {
            if (authenticate is not null)
            {
                await authenticate(cancellationToken).ConfigureAwait(false);
            }
        }

        public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 256 * 1024, minimumReadSize: 64 * 1024, leaveOpen: true));

        public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 256 * 1024, leaveOpen: true));

        public string RemoteDescription => description;

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Input.CompleteAsync().ConfigureAwait(false);
                await Output.CompleteAsync().ConfigureAwait(false); // flushes what is left; the peer may be gone already
            }
            catch (Exception ex) when (ex is IOException or NotSupportedException)
            {
                // The peer is gone, or a flush stuck on it still holds a TLS stream (NotSupportedException: "another
                // write operation is pending"): the connection closes without what it had left to send.
            }
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
