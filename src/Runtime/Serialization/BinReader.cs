using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Actors.Runtime.Serialization;

/// <summary>Bounds-checked little-endian reads: every length is checked against the bytes left before anything is allocated.</summary>
internal ref struct BinReader(ReadOnlySpan<byte> data, int maxDepth)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;
    private int _depth;

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte()
    {
        Require(1);
        return _data[_position++];
    }

    public T Read<T>() where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        Require(size);
        T value = MemoryMarshal.Read<T>(_data.Slice(_position, size));
        _position += size;
        return value;
    }

    public ulong ReadVarUInt()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = ReadByte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw new PathException("a length field is malformed (more than 10 bytes)");
    }

    /// <summary>Reads a count of items that each take at least <paramref name="minItemSize"/> bytes, refusing counts the payload cannot hold.</summary>
    public int ReadLength(int minItemSize)
    {
        ulong count = ReadVarUInt();
        if (count > int.MaxValue || count * (ulong)Math.Max(minItemSize, 1) > (ulong)Remaining)
        {
            throw new PathException($"a length field says {count} but only {Remaining} bytes are left (cut short or tampered)");
        }
        return (int)count;
    }

    public string ReadString()
    {
        int count = ReadLength(1);
        string value = Encoding.UTF8.GetString(_data.Slice(_position, count));
        _position += count;
        return value;
    }

    public ReadOnlySpan<byte> ReadRaw(int count)
    {
        Require(count);
        ReadOnlySpan<byte> span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    public void Enter()
    {
        if (++_depth > maxDepth)
        {
            throw new PathException($"the payload nests deeper than {maxDepth} levels (SerializerOptions.MaxDepth)");
        }
    }

    public void Exit() => _depth--;

    private readonly void Require(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new PathException($"the payload ended early: {count} more bytes were needed at byte {_position} of {_data.Length} (cut short or tampered)");
        }
    }
}
