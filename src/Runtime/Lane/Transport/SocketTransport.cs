using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace Actors.Runtime.Lane.Transport;

/// <summary>
/// Unix domain sockets (<c>unix:@name</c> for Linux's abstract namespace, which leaves no file behind
/// even when the process is killed; <c>unix:/path</c> for a file) and TCP (<c>tcp:host:port</c>;
/// port 0 picks a free one). Both become pipe pairs over a <see cref="NetworkStream"/>.
/// </summary>
internal sealed class SocketTransport : ITransport
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
        string bound = socket.LocalEndPoint is IPEndPoint ip ? $"tcp:{ip.Address}:{ip.Port}" : address;
        return new SocketListener(socket, bound, address.StartsWith("unix:/", StringComparison.Ordinal) ? address[5..] : null);
    }

    public async ValueTask<IConnection> ConnectAsync(string address, CancellationToken cancellationToken)
    {
        (EndPoint endPoint, AddressFamily family, ProtocolType protocol) = Parse(address);
        var socket = new Socket(family, SocketType.Stream, protocol);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
            return Wrap(socket, address);
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
        if (address.StartsWith("tcp:", StringComparison.Ordinal))
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
        throw new ArgumentException($"'{address}' is not a transport address: use unix:@name, unix:/path or tcp:host:port.", nameof(address));
    }

    private static SocketConnection Wrap(Socket socket, string description)
    {
        if (socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true; // frames are already coalesced by the endpoint's writer
        }
        var stream = new NetworkStream(socket, ownsSocket: true);
        return new SocketConnection(stream, description);
    }

    private sealed class SocketListener(Socket socket, string address, string? filePath) : IListener
    {
        public string Address => address;

        public async ValueTask<IConnection> AcceptAsync(CancellationToken cancellationToken)
        {
            Socket accepted = await socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return Wrap(accepted, accepted.RemoteEndPoint?.ToString() is { Length: > 0 } remote ? remote : address + " (peer)");
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

    private sealed class SocketConnection(NetworkStream stream, string description) : IConnection
    {
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
            catch (IOException)
            {
            }
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
