using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Actors.Runtime.Lane.Framing;

/// <summary>Writes frames into a <see cref="PipeWriter"/>; the caller decides when to flush (that is the coalescing).</summary>
internal static class FrameWriter
{
    public static void Write(PipeWriter output, FrameKind kind, ReadOnlySpan<byte> body)
    {
        Span<byte> span = output.GetSpan(FrameReader.HeaderSize + body.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)body.Length);
        span[4] = (byte)kind;
        body.CopyTo(span[FrameReader.HeaderSize..]);
        output.Advance(FrameReader.HeaderSize + body.Length);
    }

    /// <summary>Writes part of a large message: the first part carries the total length and the inner kind.</summary>
    public static void WriteFragment(PipeWriter output, FrameKind innerKind, int total, ReadOnlySpan<byte> part, bool first)
    {
        int bodyLength = part.Length + (first ? 5 : 0);
        Span<byte> span = output.GetSpan(FrameReader.HeaderSize + bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)bodyLength);
        span[4] = (byte)(first ? FrameKind.FragmentFirst : FrameKind.FragmentNext);
        Span<byte> body = span[FrameReader.HeaderSize..];
        if (first)
        {
            BinaryPrimitives.WriteInt32LittleEndian(body, total);
            body[4] = (byte)innerKind;
            body = body[5..];
        }
        part.CopyTo(body);
        output.Advance(FrameReader.HeaderSize + bodyLength);
    }
}
