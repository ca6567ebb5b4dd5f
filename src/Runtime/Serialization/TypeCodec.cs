namespace Actors.Runtime.Serialization;

/// <summary>Encodes values of exactly one runtime type. Values arrive non-null and boxed.</summary>
internal abstract class TypeCodec
{
    public abstract void Write(BinWriter writer, object value);

    public abstract object Read(ref BinReader reader);
}

/// <summary>Where a value sits: its declared type decides whether a null marker and a type name are needed.</summary>
internal sealed class Slot
{
    private TypeCodec? _codec;

    public Slot(Type declared)
    {
        Declared = declared;
        Exact = Nullable.GetUnderlyingType(declared) ?? declared;
        IsPlain = declared.IsValueType && Exact == declared;
    }

    /// <summary>The declared type.</summary>
    public Type Declared { get; }

    /// <summary>The type a value has when no name is written (the declared type, unwrapped from Nullable).</summary>
    public Type Exact { get; }

    /// <summary>A non-nullable value type: no marker, no name.</summary>
    public bool IsPlain { get; }

    /// <summary>The codec of <see cref="Exact"/>; a refusal is not kept, as the type's assembly may be trusted later.</summary>
    public TypeCodec Codec(CodecRegistry registry)
    {
        if (_codec is { } known)
        {
            return known;
        }
        TypeCodec codec = registry.For(Exact);
        if (codec is not RefusedCodec)
        {
            _codec = codec;
        }
        return codec;
    }
}

/// <summary>Stands for a type that must never cross a process boundary; fails only when a value is present.</summary>
internal sealed class RefusedCodec(string reason) : TypeCodec
{
    public override void Write(BinWriter writer, object value) => throw new PathException(reason);

    public override object Read(ref BinReader reader) => throw new PathException(reason);
}
