using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Actors.Runtime.Lane.Framing;

/// <summary>
/// Reads length-prefixed frames from a <see cref="PipeReader"/> and reassembles fragmented messages.
/// A length field is checked against the current limit before a byte is allocated for it: before
/// authentication the limit is tiny, afterwards a frame is at most one fragment and an assembled
/// message at most <see cref="MaxMessage"/>.
/// </summary>
internal sealed class FrameReader(PipeReader input, int maxFrameBody, int maxMessage) : IDisposable
{
    public const int HeaderSize = 5;

    private PooledBuffer? _assembling;
    private int _assemblingTotal;
    private FrameKind _assemblingKind;

    public int MaxFrameBody { get; set; } = maxFrameBody;

    public int MaxMessage { get; set; } = maxMessage;

    /// <summary>The next whole message, or null at a clean end of stream. The caller disposes the body.</summary>
    /// <exception cref="FrameException">A bad length, an unknown kind, or a stream cut inside a frame.</exception>
    public async ValueTask<(FrameKind Kind, PooledBuffer Body)?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (TryReadFrame(ref buffer, out FrameKind kind, out PooledBuffer? body))
            {
                input.AdvanceTo(buffer.Start);
                if (Assemble(kind, body) is { } whole)
                {
                    return whole;
                }
                continue;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                if (!buffer.IsEmpty || _assembling is not null)
                {
                    throw new FrameException($"the stream ended inside a frame ({buffer.Length} bytes of an unfinished frame)");
                }
                return null;
            }
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out FrameKind kind, out PooledBuffer body)
    {
        kind = default;
        body = null!;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        kind = (FrameKind)header[4];
        if (length > (uint)MaxFrameBody)
        {
            throw new FrameException($"a frame announces {length} bytes, over the limit of {MaxFrameBody} (garbage, a hostile peer, or a peer of another protocol)");
        }
        if (!Enum.IsDefined(kind))
        {
            throw new FrameException($"a frame has the unknown kind {(byte)kind}");
        }
        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }
        body = new PooledBuffer((int)length);
        buffer.Slice(HeaderSize, length).CopyTo(body.GetSpan((int)length));
        body.Advance((int)length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    private (FrameKind, PooledBuffer)? Assemble(FrameKind kind, PooledBuffer body)
    {
        switch (kind)
        {
            case FrameKind.FragmentFirst:
                using (body)
                {
                    if (_assembling is not null || body.Length < 5)
                    {
                        throw new FrameException("a large message starts before the previous one ended, or its first part is malformed");
                    }
                    int total = BinaryPrimitives.ReadInt32LittleEndian(body.Span);
                    if (total <= 0 || total > MaxMessage)
                    {
                        throw new FrameException($"a large message announces {total} bytes, over the limit of {MaxMessage}");
                    }
                    _assemblingKind = (FrameKind)body.Span[4];
                    _assemblingTotal = total;
                    _assembling = new PooledBuffer(total);
                    return Append(body.Span[5..]);
                }
            case FrameKind.FragmentNext:
                using (body)
                {
                    if (_assembling is null)
                    {
                        throw new FrameException("a part of a large message arrived without its first part");
                    }
                    return Append(body.Span);
                }
            default:
                return (kind, body);
        }
    }

    public void Dispose() => _assembling?.Dispose();

    private (FrameKind, PooledBuffer)? Append(ReadOnlySpan<byte> part)
    {
        if (_assembling!.Length + part.Length > _assemblingTotal)
        {
            throw new FrameException("a large message has more bytes than it announced");
        }
        part.CopyTo(_assembling.GetSpan(part.Length));
        _assembling.Advance(part.Length);
        if (_assembling.Length < _assemblingTotal)
        {
            return null;
        }
        PooledBuffer whole = _assembling;
        _assembling = null;
        return (_assemblingKind, whole);
    }
}

/// <summary>The byte stream broke the framing rules; the connection cannot be trusted any further.</summary>
internal sealed class FrameException(string message) : IOException(message);
