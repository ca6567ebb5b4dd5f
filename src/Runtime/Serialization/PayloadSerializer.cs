using System.Runtime.CompilerServices;
using System.Buffers;
using Actors.Runtime.Serialization;

namespace Actors;

/// <summary>
/// The default <see cref="IPayloadSerializer"/>: a compact binary format that round-trips primitives,
/// strings, decimals, dates, Guids, enums, nullables, arrays (one block copy for arrays of unmanaged
/// types), <c>List</c>, <c>Dictionary</c>, <c>HashSet</c>, tuples, records, classes and structs with
/// public or private fields, nested trees, actor references and exceptions. Thread-safe.
/// </summary>
/// <remarks>
/// A type name goes on the wire only where the runtime type differs from the declared one, and is
/// resolved only against the allow-list (<see cref="SerializerOptions"/>). Graphs are sent as trees:
/// a cycle is refused with the member path where it closes; an object reached twice arrives as two copies.
/// Dictionaries and sets arrive with the default comparer. Both ends must run the same build of a type.
/// </remarks>
public sealed class PayloadSerializer : IPayloadSerializer
{
    private const byte FormatVersion = 0xA1;

    private readonly CodecRegistry _registry;
    private readonly int _maxDepth;

    /// <summary>Creates a serializer; actor references can be encoded but not decoded without an actor system.</summary>
    /// <exception cref="PlatformNotSupportedException">The machine is big-endian.</exception>
    public PayloadSerializer(SerializerOptions? options = null) : this(options ?? new SerializerOptions(), null) { }

    internal PayloadSerializer(SerializerOptions options, Akka.Actor.ExtendedActorSystem? akka)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The payload format is little-endian; big-endian machines are not supported.");
        }
        _registry = new CodecRegistry(options, akka);
        _maxDepth = options.MaxDepth;
    }

    /// <summary>Adds app assemblies to the allow-list (see <c>TypeCatalog.Trust</c>): only for the app's own code, never for a name a peer sent.</summary>
    internal void Trust(IEnumerable<System.Reflection.Assembly> assemblies)
    {
        foreach (System.Reflection.Assembly assembly in assemblies)
        {
            _registry.Trust(assembly);
        }
    }

    /// <summary>Whether an assembly's types may travel.</summary>
    internal bool Trusts(System.Reflection.Assembly assembly) => _registry.Catalog.IsTrusted(assembly);

    /// <summary>The app assemblies whose types may travel: those allowed by the options and those trusted since.</summary>
    internal IReadOnlyCollection<System.Reflection.Assembly> TrustedAssemblies => _registry.Catalog.Trusted;

    /// <summary>Why values of <paramref name="type"/> can never travel between processes (a stream, a delegate, a task), or null.</summary>
    internal static string? NeverTravels(Type type) => CodecRegistry.RefusalReason(type);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Serialize(IBufferWriter<byte> output, object? value, Type declaredType)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(declaredType);
        if (value is not null && !declaredType.IsInstanceOfType(value))
        {
            throw new ArgumentException($"The value is a {value.GetType().Name}, not a {declaredType.Name}.", nameof(value));
        }
        var writer = new BinWriter(output, _maxDepth);
        writer.WriteByte(FormatVersion);
        try
        {
            _registry.WriteSlot(writer, value, new Slot(declaredType));
        }
        catch (Exception ex) when (ex is not PayloadSerializationException)
        {
            throw Describe(ex, value?.GetType() ?? declaredType, "cannot serialize");
        }
    }

    /// <summary>Writes a span of an unmanaged type exactly as the array of it would be written (one block copy).</summary>
    /// <remarks>Decode it with the declared type <c>T[]</c>.</remarks>
    public static void SerializeSpan<T>(IBufferWriter<byte> output, ReadOnlySpan<T> values) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = new BinWriter(output, 1);
        writer.WriteByte(FormatVersion);
        writer.WriteByte(1); // the "exactly the declared type" marker of a T[] slot
        RawArrayCodec<T>.WriteSpan(writer, values);
    }

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public object? Deserialize(ReadOnlySpan<byte> payload, Type declaredType)
    {
        ArgumentNullException.ThrowIfNull(declaredType);
        var reader = new BinReader(payload, _maxDepth);
        try
        {
            byte version = reader.ReadByte();
            if (version != FormatVersion)
            {
                throw new PathException($"the payload starts with 0x{version:X2}, not the format version 0x{FormatVersion:X2} (not a payload, or from an incompatible version)");
            }
            object? value = _registry.ReadSlot(ref reader, new Slot(declaredType));
            if (reader.Remaining != 0)
            {
                throw new PathException($"{reader.Remaining} bytes follow the value (tampered, or decoded with the wrong declared type)");
            }
            return value;
        }
        catch (Exception ex) when (ex is not PayloadSerializationException)
        {
            throw Describe(ex, declaredType, "cannot deserialize");
        }
    }

    private static PayloadSerializationException Describe(Exception ex, Type root, string what)
    {
        var path = ex as PathException ?? new PathException(ex.Message, ex);
        return new PayloadSerializationException($"{TypeCatalog.Display(root)}{path.Path}: {path.Message}", path.InnerException ?? ex);
    }
}
