using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Actors.Runtime.Serialization;

/// <summary>Little-endian primitive writes straight into an <see cref="IBufferWriter{T}"/>, plus the cycle stack of one encode.</summary>
internal sealed class BinWriter(IBufferWriter<byte> output, int maxDepth)
{
    private readonly List<object> _open = [];

    public void WriteByte(byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    public void Write<T>(T value) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(output.GetSpan(size), in value);
        output.Advance(size);
    }

    public void WriteLength(int value) => WriteVarUInt((uint)value);

    public void WriteVarUInt(ulong value)
    {
        Span<byte> span = output.GetSpan(10);
        int i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[i++] = (byte)value;
        output.Advance(i);
    }

    public void WriteString(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        WriteLength(count);
        if (count > 0)
        {
            Encoding.UTF8.GetBytes(value, output.GetSpan(count));
            output.Advance(count);
        }
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            Span<byte> span = output.GetSpan(Math.Min(bytes.Length, 1 << 20));
            int n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            output.Advance(n);
            bytes = bytes[n..];
        }
    }

    /// <summary>Marks <paramref name="value"/> as being written; a graph that reaches it again is cyclic.</summary>
    public void Enter(object value)
    {
        if (_open.Count >= maxDepth)
        {
            throw new PathException($"the object graph is nested deeper than {maxDepth} levels (SerializerOptions.MaxDepth)");
        }
        foreach (object open in _open)
        {
            if (ReferenceEquals(open, value))
            {
                throw new PathException($"the object graph is cyclic: this {value.GetType().Name} contains itself; the serializer sends trees, so break the cycle (for example send ids)");
            }
        }
        _open.Add(value);
    }

    public void Exit() => _open.RemoveAt(_open.Count - 1);
}
