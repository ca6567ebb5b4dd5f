using System.Runtime.InteropServices;

namespace Actors.Runtime.Serialization;

/// <summary>Fixed-size values written as their raw little-endian bytes: numbers, chars, enums, Guid, TimeSpan.</summary>
internal sealed class UnmanagedCodec<T> : TypeCodec where T : unmanaged
{
    public override void Write(BinWriter writer, object value) => writer.Write((T)value);

    public override object Read(ref BinReader reader) => reader.Read<T>();
}

internal sealed class BoolCodec : TypeCodec
{
    public override void Write(BinWriter writer, object value) => writer.WriteByte((bool)value ? (byte)1 : (byte)0);

    public override object Read(ref BinReader reader) => reader.ReadByte() switch
    {
        0 => false,
        1 => true,
        byte b => throw new PathException($"a bool is encoded as {b} (tampered?)"),
    };
}

internal sealed class StringCodec : TypeCodec
{
    public override void Write(BinWriter writer, object value) => writer.WriteString((string)value);

    public override object Read(ref BinReader reader) => reader.ReadString();
}

/// <summary>Ticks and kind, so a DateTime comes back with the same <see cref="DateTimeKind"/>.</summary>
internal sealed class DateTimeCodec : TypeCodec
{
    public override void Write(BinWriter writer, object value)
    {
        var dateTime = (DateTime)value;
        writer.Write(dateTime.Ticks);
        writer.WriteByte((byte)dateTime.Kind);
    }

    public override object Read(ref BinReader reader)
    {
        long ticks = reader.Read<long>();
        byte kind = reader.ReadByte();
        if (kind > (byte)DateTimeKind.Local || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            throw new PathException("a DateTime is out of range (tampered?)");
        }
        return new DateTime(ticks, (DateTimeKind)kind);
    }
}

internal sealed class DateTimeOffsetCodec : TypeCodec
{
    public override void Write(BinWriter writer, object value)
    {
        var dateTime = (DateTimeOffset)value;
        writer.Write(dateTime.Ticks);
        writer.Write((short)dateTime.Offset.TotalMinutes);
    }

    public override object Read(ref BinReader reader)
    {
        long ticks = reader.Read<long>();
        short minutes = reader.Read<short>();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException ex)
        {
            throw new PathException("a DateTimeOffset is out of range (tampered?)", ex);
        }
    }
}

internal sealed class DecimalCodec : TypeCodec
{
    public override void Write(BinWriter writer, object value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits((decimal)value, bits);
        writer.WriteRaw(MemoryMarshal.AsBytes(bits));
    }

    public override object Read(ref BinReader reader)
    {
        ReadOnlySpan<int> bits = MemoryMarshal.Cast<byte, int>(reader.ReadRaw(16));
        try
        {
            return new decimal(bits);
        }
        catch (ArgumentException ex)
        {
            throw new PathException("a decimal has invalid bits (tampered?)", ex);
        }
    }
}
