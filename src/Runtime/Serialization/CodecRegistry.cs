using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Actors.Runtime.Serialization;

/// <summary>
/// The codec of every type, built once per type by reflection, and the slot rules: a marker byte
/// for null, for "exactly the declared type", for "another type, whose name follows", and for exceptions.
/// </summary>
internal sealed class CodecRegistry
{
    private const byte NullMarker = 0;
    private const byte DeclaredMarker = 1;
    private const byte NamedMarker = 2;
    private const byte ExceptionMarker = 3;

    private readonly ConcurrentDictionary<Type, TypeCodec> _codecs = new();
    private readonly ExceptionCodec _exceptions;
    private readonly Akka.Actor.ExtendedActorSystem? _akka;
    private readonly int _maxDepth;

    public CodecRegistry(SerializerOptions options, Akka.Actor.ExtendedActorSystem? akka)
    {
        Catalog = new TypeCatalog(options);
        _akka = akka;
        _maxDepth = options.MaxDepth;
        _exceptions = new ExceptionCodec(this);
    }

    public TypeCatalog Catalog { get; }

    /// <summary>Trusts an app assembly (see <see cref="TypeCatalog.Trust"/>); refusals built before it are dropped.</summary>
    public void Trust(Assembly assembly)
    {
        if (Catalog.Trust(assembly))
        {
            foreach (KeyValuePair<Type, TypeCodec> entry in _codecs)
            {
                if (entry.Value is RefusedCodec)
                {
                    _codecs.TryRemove(entry);
                }
            }
        }
    }

    public TypeCodec For(Type type) => _codecs.GetOrAdd(type, static (t, self) => self.Create(t), this);

    public void WriteSlot(BinWriter writer, object? value, Slot slot)
    {
        if (slot.IsPlain)
        {
            slot.Codec(this).Write(writer, value!);
            return;
        }
        if (value is null)
        {
            writer.WriteByte(NullMarker);
            return;
        }
        writer.Enter(value);
        if (value is Exception)
        {
            writer.WriteByte(ExceptionMarker);
            _exceptions.Write(writer, value);
        }
        else if (WireType(value) == slot.Exact)
        {
            writer.WriteByte(DeclaredMarker);
            slot.Codec(this).Write(writer, value);
        }
        else
        {
            Type type = WireType(value);
            TypeCodec codec = For(type);
            if (codec is RefusedCodec)
            {
                codec.Write(writer, value); // throws: why this type cannot travel says more than "not allowed"
            }
            writer.WriteByte(NamedMarker);
            writer.WriteRaw(Catalog.NameOf(type));
            codec.Write(writer, value);
        }
        writer.Exit();
    }

    public object? ReadSlot(ref BinReader reader, Slot slot)
    {
        if (slot.IsPlain)
        {
            return slot.Codec(this).Read(ref reader);
        }
        byte marker = reader.ReadByte();
        if (marker == NullMarker)
        {
            return null;
        }
        reader.Enter();
        object value;
        switch (marker)
        {
            case DeclaredMarker:
                value = slot.Codec(this).Read(ref reader);
                break;
            case NamedMarker:
                Type type = Catalog.ReadName(ref reader, anyLoadedAssembly: false, out string name)
                    ?? throw new PathException($"the payload names type '{name}', which is not on the allow-list or does not exist here");
                if (!Catalog.IsAllowed(type))
                {
                    throw new PathException(Catalog.NotAllowedReason(type));
                }
                if (!slot.Exact.IsAssignableFrom(type))
                {
                    throw new PathException($"the payload holds a {TypeCatalog.Display(type)} where a {TypeCatalog.Display(slot.Declared)} is expected");
                }
                value = For(type).Read(ref reader);
                break;
            case ExceptionMarker when slot.Exact.IsAssignableFrom(typeof(Exception)) || typeof(Exception).IsAssignableFrom(slot.Exact):
                value = _exceptions.Read(ref reader);
                if (!slot.Exact.IsInstanceOfType(value))
                {
                    throw new PathException($"the payload holds a {value.GetType().Name} where a {TypeCatalog.Display(slot.Declared)} is expected");
                }
                break;
            default:
                throw new PathException($"a value marker is {marker}, which is not valid here (tampered?)");
        }
        reader.Exit();
        return value;
    }

    /// <summary>The type a value travels as: every Akka actor reference (local, remote, repointable) travels as <see cref="Akka.Actor.IActorRef"/>.</summary>
    private static Type WireType(object value) => value is Akka.Actor.IActorRef ? typeof(Akka.Actor.IActorRef) : value.GetType();

    /// <summary>Encodes one value on its own, or returns null if it cannot be encoded (for best-effort fields).</summary>
    public byte[]? TryEncode(object? value, Slot slot)
    {
        try
        {
            var buffer = new ArrayBufferWriter<byte>();
            WriteSlot(new BinWriter(buffer, _maxDepth), value, slot);
            return buffer.WrittenSpan.ToArray();
        }
        catch (PathException)
        {
            return null;
        }
    }

    private TypeCodec Create(Type type)
    {
        if (RefusalReason(type) is { } reason)
        {
            return new RefusedCodec($"type {TypeCatalog.Display(type)} cannot be serialized: {reason}");
        }
        if (type == typeof(Akka.Actor.IActorRef)) return new AkkaActorRefCodec(_akka);
        if (type == typeof(Akka.Actor.Status.Failure)) return new AkkaFailureCodec(this);
        if (typeof(Exception).IsAssignableFrom(type))
        {
            return _exceptions;
        }
        if (!Catalog.IsAllowed(type))
        {
            return new RefusedCodec(Catalog.NotAllowedReason(type));
        }
        if (typeof(IProcessShared).IsAssignableFrom(type))
        {
            return Generic(typeof(ProcessSharedCodec<>), type);
        }
        if (type == typeof(string)) return new StringCodec();
        if (type == typeof(bool)) return new BoolCodec();
        if (type == typeof(DateTime)) return new DateTimeCodec();
        if (type == typeof(DateTimeOffset)) return new DateTimeOffsetCodec();
        if (type == typeof(decimal)) return new DecimalCodec();
        if (type.IsPrimitive || type.IsEnum || type == typeof(Guid) || type == typeof(TimeSpan) || type == typeof(DateOnly)
            || type == typeof(TimeOnly) || type == typeof(Half) || type == typeof(Int128) || type == typeof(UInt128))
        {
            return Generic(typeof(UnmanagedCodec<>), type);
        }
        if (type == typeof(bool[])) return new BoolArrayCodec();
        if (type.IsArray)
        {
            Type element = type.GetElementType()!;
            return IsBlittable(element) ? Generic(typeof(RawArrayCodec<>), element) : new ArrayCodec(this, element);
        }
        if (type.IsGenericType)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (definition == typeof(List<>)) return Generic(typeof(ListCodec<>), type.GetGenericArguments());
            if (definition == typeof(HashSet<>)) return Generic(typeof(HashSetCodec<>), type.GetGenericArguments());
            if (definition == typeof(Dictionary<,>)) return Generic(typeof(DictionaryCodec<,>), type.GetGenericArguments());
        }
        if (type.IsAbstract || type.IsInterface)
        {
            return new RefusedCodec($"type {TypeCatalog.Display(type)} is abstract; a value of it must be of a concrete type");
        }
        return new ObjectCodec(this, type);
    }

    /// <summary>Why a type can never cross a process boundary (itself, an array's element or a generic argument), or null if it can.</summary>
    public static string? RefusalReason(Type type)
    {
        if (type.IsArray && type.GetArrayRank() == 1 && RefusalReason(type.GetElementType()!) is { } element)
            return element;
        if (type.IsGenericType && !type.IsGenericTypeDefinition && type.GetGenericArguments().Select(RefusalReason).FirstOrDefault(r => r is not null) is { } argument)
            return argument;
        if (type.IsPointer || type.IsFunctionPointer || type == typeof(IntPtr) || type == typeof(UIntPtr))
            return "a pointer is an address in this process's memory and means nothing in another; send the data it points to";
        if (typeof(Delegate).IsAssignableFrom(type))
            return "a delegate holds code and captured state of this process; send data, and choose the behaviour on the receiving side";
        if (typeof(Stream).IsAssignableFrom(type))
            return "a stream is a live handle on this process's resources; send its bytes (byte[]) instead";
        if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type))
            return "reflection objects belong to this process; send a name instead";
        if (typeof(Task).IsAssignableFrom(type) || type == typeof(Thread) || typeof(WaitHandle).IsAssignableFrom(type)
            || type == typeof(CancellationToken) || type == typeof(CancellationTokenSource) || typeof(System.Runtime.InteropServices.SafeHandle).IsAssignableFrom(type)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)) || type == typeof(ValueTask))
            return "it is tied to this process (a thread, task, handle or token); send the data it stands for";
        if (type.IsByRefLike)
            return "it is a ref struct that lives only on this thread's stack";
        if (type.IsArray && type.GetArrayRank() > 1)
            return "multidimensional arrays are not supported; use a jagged array (T[][])";
        return null;
    }

    private static readonly MethodInfo ContainsReferences = typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!;

    /// <summary>Value types without references go as one block; bool is left out so a tampered byte cannot make an invalid bool.</summary>
    private static bool IsBlittable(Type type) =>
        type.IsValueType && type != typeof(bool) && Nullable.GetUnderlyingType(type) is null && RefusalReason(type) is null
        && !(bool)ContainsReferences.MakeGenericMethod(type).Invoke(null, null)!;

    private TypeCodec Generic(Type definition, params Type[] arguments)
    {
        Type codecType = definition.MakeGenericType(arguments);
        ConstructorInfo constructor = codecType.GetConstructors()[0];
        return (TypeCodec)(constructor.GetParameters().Length == 0 ? constructor.Invoke(null) : constructor.Invoke([this]));
    }
}
