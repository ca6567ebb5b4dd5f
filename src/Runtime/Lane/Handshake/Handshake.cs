using System.Security.Authentication;
using System.Security.Cryptography;
using System.IO.Pipelines;
using Actors.Messages;
using Actors.Runtime.Lane.Framing;
using Actors.Runtime.Lane.Transport;
using Actors.Runtime.Serialization;

namespace Actors.Runtime.Lane.Handshake;

/// <summary>What a node says about itself in the hello; trusted only once the key challenge passed.</summary>
internal sealed record NodeInfo(string Name, int Pid, string Host, int Cores);

/// <summary>
/// The versioned hello and an HMAC-SHA256 challenge in both directions (CPython's authkey, made mutual):
/// the client sends its nonce; the server answers with its nonce and a MAC over both, proving it holds
/// the key; the client answers with its own MAC; the server welcomes or rejects. No payload is decoded
/// before this completes, and frames are limited to <see cref="MaxHandshakeFrame"/> bytes until then.
/// </summary>
internal static class Handshake
{
    public const ushort ProtocolVersion = 1;
    public const int MaxHandshakeFrame = 1024;
    private const int NonceSize = 32;

    public static async Task<NodeInfo> RunClientAsync(IConnection connection, FrameReader reader, NodeInfo self, byte[] key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(timeout, cancellationToken);
        try
        {
            byte[] clientNonce = RandomNumberGenerator.GetBytes(NonceSize);
            await SendAsync(connection.Output, FrameKind.Hello, w => { WriteInfo(w, self); w.WriteRaw(clientNonce); }, deadline.Token).ConfigureAwait(false);

            using PooledBuffer challenge = await ExpectAsync(reader, FrameKind.Challenge, connection, deadline.Token).ConfigureAwait(false);
            var r = new BinReader(challenge.Span, 4);
            NodeInfo peer = ReadInfo(ref r);
            byte[] serverNonce = r.ReadRaw(NonceSize).ToArray();
            byte[] serverMac = r.ReadRaw(32).ToArray();
            if (!CryptographicOperations.FixedTimeEquals(serverMac, Mac(key, "S", clientNonce, serverNonce)))
            {
                throw new AuthenticationException($"{connection.RemoteDescription} failed the key challenge: it does not hold the same secret key. Check that both sides use the same key.");
            }
            byte[] clientMac = Mac(key, "C", serverNonce, clientNonce);
            await SendAsync(connection.Output, FrameKind.Response, w => w.WriteRaw(clientMac), deadline.Token).ConfigureAwait(false);

            (FrameKind kind, PooledBuffer body) = await NextAsync(reader, connection, deadline.Token).ConfigureAwait(false);
            using (body)
            {
                if (kind == FrameKind.Reject)
                {
                    var rr = new BinReader(body.Span, 1);
                    throw new AuthenticationException($"{connection.RemoteDescription} rejected this node: {rr.ReadString()}");
                }
                if (kind != FrameKind.Welcome)
                {
                    throw new AuthenticationException($"{connection.RemoteDescription} answered the handshake with a {kind} frame instead of Welcome.");
                }
            }
            return peer;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{connection.RemoteDescription} did not complete the handshake within {timeout}.");
        }
    }

    public static async Task<NodeInfo> RunServerAsync(IConnection connection, FrameReader reader, NodeInfo self, byte[] key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(timeout, cancellationToken);
        try
        {
            using PooledBuffer hello = await ExpectAsync(reader, FrameKind.Hello, connection, deadline.Token).ConfigureAwait(false);
            var r = new BinReader(hello.Span, 4);
            NodeInfo peer = ReadInfo(ref r);
            byte[] clientNonce = r.ReadRaw(NonceSize).ToArray();

            byte[] serverNonce = RandomNumberGenerator.GetBytes(NonceSize);
            byte[] serverMac = Mac(key, "S", clientNonce, serverNonce);
            await SendAsync(connection.Output, FrameKind.Challenge, w => { WriteInfo(w, self); w.WriteRaw(serverNonce); w.WriteRaw(serverMac); }, deadline.Token).ConfigureAwait(false);

            using PooledBuffer response = await ExpectAsync(reader, FrameKind.Response, connection, deadline.Token).ConfigureAwait(false);
            if (response.Length != 32 || !CryptographicOperations.FixedTimeEquals(response.Span, Mac(key, "C", serverNonce, clientNonce)))
            {
                await SendAsync(connection.Output, FrameKind.Reject, w => w.WriteString("wrong key"), deadline.Token).ConfigureAwait(false);
                throw new AuthenticationException($"Node '{peer.Name}' (pid {peer.Pid}) at {connection.RemoteDescription} failed the key challenge: wrong or missing key. The connection was closed.");
            }
            await SendAsync(connection.Output, FrameKind.Welcome, _ => { }, deadline.Token).ConfigureAwait(false);
            return peer;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{connection.RemoteDescription} connected but did not complete the handshake within {timeout}; it was disconnected.");
        }
        catch (PathException ex)
        {
            throw new AuthenticationException($"{connection.RemoteDescription} sent a malformed handshake: {ex.Message}");
        }
    }

    private static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        return cts;
    }

    private static byte[] Mac(byte[] key, string role, byte[] first, byte[] second) =>
        HMACSHA256.HashData(key, (byte[])[.. System.Text.Encoding.ASCII.GetBytes("actors-v1-" + role), .. first, .. second]);

    private static void WriteInfo(BinWriter writer, NodeInfo info)
    {
        writer.Write(ProtocolVersion);
        writer.WriteString(info.Name);
        writer.Write(info.Pid);
        writer.WriteString(info.Host);
        writer.Write(info.Cores);
    }

    private static NodeInfo ReadInfo(ref BinReader reader)
    {
        ushort version = reader.Read<ushort>();
        if (version != ProtocolVersion)
        {
            throw new AuthenticationException($"the peer speaks protocol version {version}; this node speaks {ProtocolVersion}");
        }
        return new NodeInfo(reader.ReadString(), reader.Read<int>(), reader.ReadString(), reader.Read<int>());
    }

    private static async Task SendAsync(PipeWriter output, FrameKind kind, Action<BinWriter> write, CancellationToken cancellationToken)
    {
        using var body = new PooledBuffer();
        write(new BinWriter(body, 4));
        FrameWriter.Write(output, kind, body.Span);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<PooledBuffer> ExpectAsync(FrameReader reader, FrameKind expected, IConnection connection, CancellationToken cancellationToken)
    {
        (FrameKind kind, PooledBuffer body) = await NextAsync(reader, connection, cancellationToken).ConfigureAwait(false);
        if (kind != expected)
        {
            body.Dispose();
            throw new AuthenticationException($"{connection.RemoteDescription} sent a {kind} frame where the handshake expects {expected}.");
        }
        return body;
    }

    private static async Task<(FrameKind, PooledBuffer)> NextAsync(FrameReader reader, IConnection connection, CancellationToken cancellationToken) =>
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
        ?? throw new AuthenticationException($"{connection.RemoteDescription} closed the connection during the handshake (wrong key, or not an Actors node).");
}
