using System.Buffers.Binary;
using System.Text;
using Actors.Runtime.Serialization;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.shared_memory.ShareableList</c>: a fixed-length list of <c>long</c>, <c>double</c>,
/// <c>bool</c>, <c>string</c>, <c>byte[]</c> or null items that lives in a <see cref="SharedMemory"/> block, read and
/// written in place by every process that attaches to it by name. As in CPython, a string or byte array item keeps
/// the room it was created with (rounded up to 8 bytes; numbers and null get 8): a longer one does not fit, and the
/// list has no lock (hold a <see cref="ProcessLock"/> around updates that must not interleave).
/// </summary>
public sealed class ShareableList : IProcessShared<ShareableList>, IDisposable
{
    private const int Magic = 0x4c534841; // "AHSL"
    private const int HeaderSize = 8;
    private const int SlotSize = 16; // kind, offset, capacity, length

    private enum Kind
    {
        Null,
        Long,
        Double,
        Bool,
        String,
        Bytes,
    }

    private ShareableList(SharedMemory shm) => Shm = shm;

    /// <summary>The block that holds it (CPython's <c>shm</c>).</summary>
    public SharedMemory Shm { get; }

    /// <summary>How many items it holds.</summary>
    public int Count => BinaryPrimitives.ReadInt32LittleEndian(Shm.AsSpan(4, 4));

    string IProcessShared.Handle => Shm.Name;

    static ShareableList IProcessShared<ShareableList>.Attach(string handle) => Attach(handle);

    /// <summary>Creates the list in a new block, named <paramref name="name"/> or given a fresh name.</summary>
    /// <exception cref="ArgumentException">An item is not a long, int, double, bool, string, byte[] or null.</exception>
    public static ShareableList Create(IEnumerable<object?> items, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        object?[] values = [.. items.Select(Normalize)];
        int[] capacities = [.. values.Select(v => v switch
        {
            string s => Align(Encoding.UTF8.GetByteCount(s)),
            byte[] b => Align(b.Length),
            _ => 8,
        })];
        long size = HeaderSize + ((long)values.Length * SlotSize) + capacities.Sum(c => (long)c);
        SharedMemory shm = SharedMemory.Create(Math.Max(size, 1), name);
        Span<byte> bytes = shm.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], values.Length);
        int offset = HeaderSize + (values.Length * SlotSize);
        var list = new ShareableList(shm);
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> slot = list.Slot(i);
            BinaryPrimitives.WriteInt32LittleEndian(slot[4..], offset);
            BinaryPrimitives.WriteInt32LittleEndian(slot[8..], capacities[i]);
            list[i] = values[i];
            offset += capacities[i];
        }
        return list;
    }

    /// <summary>Attaches to the list in the block named <paramref name="name"/>.</summary>
    /// <exception cref="FileNotFoundException">No block of that name.</exception>
    /// <exception cref="ArgumentException">The block does not hold a ShareableList.</exception>
    public static ShareableList Attach(string name)
    {
        SharedMemory shm = SharedMemory.Attach(name);
        if (shm.Size < HeaderSize || BinaryPrimitives.ReadInt32LittleEndian(shm.AsSpan(0, 4)) != Magic
            || HeaderSize + ((long)BinaryPrimitives.ReadInt32LittleEndian(shm.AsSpan(4, 4)) * SlotSize) > shm.Size)
        {
            shm.Close();
            throw new ArgumentException($"the shared memory block '{name}' does not hold a ShareableList", nameof(name));
        }
        return new ShareableList(shm);
    }

    /// <summary>An item, read or replaced in place.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such index (CPython's IndexError).</exception>
    /// <exception cref="ArgumentException">A string or byte array longer than the item's room (CPython's ValueError), or an unsupported type.</exception>
    public object? this[int index]
    {
        get
        {
            ReadOnlySpan<byte> slot = Slot(index);
            var kind = (Kind)BinaryPrimitives.ReadInt32LittleEndian(slot);
            ReadOnlySpan<byte> data = Data(slot, out int length);
            return kind switch
            {
                Kind.Long => BinaryPrimitives.ReadInt64LittleEndian(data),
                Kind.Double => BinaryPrimitives.ReadDoubleLittleEndian(data),
                Kind.Bool => data[0] != 0,
                Kind.String => Encoding.UTF8.GetString(data[..length]),
                Kind.Bytes => data[..length].ToArray(),
                _ => null,
            };
        }
        set
        {
            Span<byte> slot = Slot(index);
            Span<byte> data = Data(slot, out _);
            object? item = Normalize(value);
            int length = item switch
            {
                string s => Encoding.UTF8.GetByteCount(s),
                byte[] b => b.Length,
                _ => 8,
            };
            if (length > data.Length)
            {
                throw new ArgumentException($"a {(item is string ? "str" : "bytes")} of {length} bytes exceeds the available storage of item {index} ({data.Length} bytes)", nameof(value));
            }
            Kind kind = item switch
            {
                long l => Write(data, l),
                double d => Write(data, d),
                bool b => Write(data, b),
                string s => Write(data, s),
                byte[] b => Write(data, b),
                _ => Kind.Null,
            };
            BinaryPrimitives.WriteInt32LittleEndian(slot[12..], length);
            BinaryPrimitives.WriteInt32LittleEndian(slot, (int)kind);
        }
    }

    /// <summary>The index of the first item equal to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">No item is (CPython's ValueError).</exception>
    public int IndexOf(object? value)
    {
        object? wanted = Normalize(value);
        for (int i = 0; i < Count; i++)
        {
            if (ItemEquals(this[i], wanted))
            {
                return i;
            }
        }
        throw new ArgumentException($"{value} not in this container", nameof(value));
    }

    /// <summary>How many items equal <paramref name="value"/> (CPython's <c>count</c>).</summary>
    public int CountOf(object? value)
    {
        object? wanted = Normalize(value);
        return Enumerable.Range(0, Count).Count(i => ItemEquals(this[i], wanted));
    }

    /// <summary>A local copy of the items.</summary>
    public List<object?> ToList() => [.. Enumerable.Range(0, Count).Select(i => this[i])];

    /// <summary>Ends this process's view (the block stays until <c>Shm.Unlink()</c>).</summary>
    public void Dispose() => Shm.Close();

    private Span<byte> Slot(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(index));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count, nameof(index));
        return Shm.AsSpan(HeaderSize + ((long)index * SlotSize), SlotSize);
    }

    private Span<byte> Data(ReadOnlySpan<byte> slot, out int length)
    {
        int offset = BinaryPrimitives.ReadInt32LittleEndian(slot[4..]);
        int capacity = BinaryPrimitives.ReadInt32LittleEndian(slot[8..]);
        length = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(slot[12..]), 0, capacity);
        return Shm.AsSpan(offset, capacity);
    }

    private static object? Normalize(object? value) => value switch
    {
        null or long or double or bool or string or byte[] => value,
        int i => (long)i,
        short or sbyte or byte or ushort or uint => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        float f => (double)f,
        _ => throw new ArgumentException($"a ShareableList holds long, double, bool, string, byte[] and null items, not {value.GetType().Name}", nameof(value)),
    };

    private static bool ItemEquals(object? item, object? wanted) =>
        item is byte[] a && wanted is byte[] b ? a.AsSpan().SequenceEqual(b) : Equals(item, wanted);

    private static int Align(int length) => Math.Max(8, (length + 7) & ~7);

    private static Kind Write(Span<byte> data, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(data, value);
        return Kind.Long;
    }

    private static Kind Write(Span<byte> data, double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(data, value);
        return Kind.Double;
    }

    private static Kind Write(Span<byte> data, bool value)
    {
        data[0] = value ? (byte)1 : (byte)0;
        return Kind.Bool;
    }

    private static Kind Write(Span<byte> data, string value)
    {
        Encoding.UTF8.GetBytes(value, data);
        return Kind.String;
    }

    private static Kind Write(Span<byte> data, byte[] value)
    {
        value.CopyTo(data);
        return Kind.Bytes;
    }
}
