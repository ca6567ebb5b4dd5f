using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;

namespace Actors.Runtime.Serialization;

/// <summary>
/// The allow-list and the wire names of types. A name read from a peer is resolved only inside
/// allowed assemblies that are already loaded; nothing is ever loaded because a peer named it.
/// </summary>
internal sealed class TypeCatalog
{
    private const byte NamedType = 0;
    private const byte ArrayType = 1;
    private const byte GenericType = 2;
    private const int MaxNameNesting = 8;

    private static readonly HashSet<Type> SafeTypes =
    [
        typeof(object), typeof(string), typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort),
        typeof(int), typeof(uint), typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(char),
        typeof(decimal), typeof(Half), typeof(Int128), typeof(UInt128), typeof(BigInteger), typeof(DateTime),
        typeof(DateTimeOffset), typeof(TimeSpan), typeof(DateOnly), typeof(TimeOnly), typeof(Guid), typeof(Version),
        typeof(Akka.Actor.IActorRef), // travels as its path and arrives resolved by the receiving actor system
        typeof(Akka.Actor.Status.Failure), // an ask's error reply; its cause goes through the exception codec
    ];

    private static readonly HashSet<Type> SafeGenerics =
    [
        typeof(Nullable<>), typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(KeyValuePair<,>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>), typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>), typeof(Tuple<,,,,,,,>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
    ];

    // Append-only sets: the app's code trusts more assemblies as it names them in calls (see Trust); never fewer.
    private readonly ConcurrentDictionary<Assembly, bool> _appAssemblies = new();
    private readonly ConcurrentDictionary<string, Assembly> _resolvable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, byte[]> _names = new();
    private readonly ConcurrentDictionary<(string Assembly, string Name), Type> _resolved = new();

    public TypeCatalog(SerializerOptions options)
    {
        foreach (Assembly assembly in options.AllowedAssemblies.Append(typeof(FrameKind).Assembly).Append(typeof(TypeCatalog).Assembly).Append(Assembly.GetEntryAssembly()).OfType<Assembly>())
        {
            Trust(assembly);
        }
        foreach (Assembly assembly in SafeTypes.Concat(SafeGenerics).Select(t => t.Assembly))
        {
            _resolvable[assembly.GetName().Name!] = assembly;
        }
    }

    /// <summary>
    /// Adds an app assembly to the allow-list; true if it was not on it. Only the app's own code (a call that names a type
    /// of it) or the authenticated coordinator on its behalf adds one: a name arriving in a payload never does.
    /// </summary>
    public bool Trust(Assembly assembly)
    {
        if (!_appAssemblies.TryAdd(assembly, true))
        {
            return false;
        }
        _resolvable[assembly.GetName().Name!] = assembly;
        return true;
    }

    public bool IsTrusted(Assembly assembly) => _appAssemblies.ContainsKey(assembly);

    /// <summary>The trusted app assemblies.</summary>
    public IReadOnlyCollection<Assembly> Trusted => [.. _appAssemblies.Keys];

    public bool IsAllowed(Type type)
    {
        if (type.IsArray)
        {
            return type.IsSZArray && IsAllowed(type.GetElementType()!);
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            Type definition = type.GetGenericTypeDefinition();
            return (SafeGenerics.Contains(definition) || IsTrusted(definition.Assembly) || IsProcessShared(definition))
                && type.GetGenericArguments().All(IsAllowed);
        }
        return SafeTypes.Contains(type)
            || IsTrusted(type.Assembly)
            || IsProcessShared(type)
            || (type.IsEnum && type.Assembly == typeof(object).Assembly)
            || typeof(Exception).IsAssignableFrom(type);
    }

    /// <summary>The runtime's own cross-process objects (a lock, a queue): they travel as handles (<see cref="IProcessShared"/>).</summary>
    private static bool IsProcessShared(Type type) => typeof(IProcessShared).IsAssignableFrom(type) && type.Assembly.GetName().Name == ProductAssembly;

    /// <summary>The assembly of the public API, whose cross-process objects may arrive before any of its code ran here.</summary>
    private const string ProductAssembly = "Actors.Coordinator";

    /// <summary>Why <paramref name="type"/> is refused, naming the innermost type that is not allowed and what to do about it.</summary>
    public string NotAllowedReason(Type type)
    {
        Type culprit = Culprit(type);
        bool baseLibrary = culprit.Assembly == typeof(object).Assembly || culprit.Namespace?.StartsWith("System", StringComparison.Ordinal) == true
            || culprit.Namespace?.StartsWith("Microsoft", StringComparison.Ordinal) == true;
        string where = culprit == type ? "" : $" (in {Display(type)})";
        return baseLibrary
            ? $"type {Display(culprit)}{where} is a base-library type outside the serializer's allow-list: of the base library only primitives, strings, dates, Guids, enums, arrays, List, Dictionary, HashSet, tuples and exceptions travel between processes; send the data it holds instead"
            : $"type {Display(culprit)}{where} is not on the serializer's allow-list; add its assembly with SerializerOptions.Allow(typeof({culprit.Name}))";
    }

    /// <summary>The innermost part of <paramref name="type"/> (array element, generic argument or definition) that is not allowed.</summary>
    private Type Culprit(Type type)
    {
        if (type.IsArray && type.IsSZArray)
        {
            return Culprit(type.GetElementType()!);
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            Type definition = type.GetGenericTypeDefinition();
            if (SafeGenerics.Contains(definition) || IsTrusted(definition.Assembly))
            {
                return type.GetGenericArguments().FirstOrDefault(a => !IsAllowed(a)) is { } argument ? Culprit(argument) : type;
            }
        }
        return type;
    }

    /// <summary>The cached wire name of an allowed type.</summary>
    public byte[] NameOf(Type type) => _names.GetOrAdd(type, static (t, self) =>
    {
        if (!self.IsAllowed(t))
        {
            throw new PathException(self.NotAllowedReason(t));
        }
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        WriteName(new BinWriter(buffer, MaxNameNesting), t);
        return buffer.WrittenSpan.ToArray();
    }, this);

    /// <summary>Writes an exception's type name even when it is not resolvable; the reader falls back to <see cref="RemoteException"/>.</summary>
    public static void WriteName(BinWriter writer, Type type)
    {
        if (type.IsArray)
        {
            writer.WriteByte(ArrayType);
            WriteName(writer, type.GetElementType()!);
        }
        else if (type.IsGenericType)
        {
            writer.WriteByte(GenericType);
            Type definition = type.GetGenericTypeDefinition();
            writer.WriteString(definition.FullName!);
            writer.WriteString(definition.Assembly.GetName().Name!);
            Type[] arguments = type.GetGenericArguments();
            writer.WriteLength(arguments.Length);
            foreach (Type argument in arguments)
            {
                WriteName(writer, argument);
            }
        }
        else
        {
            writer.WriteByte(NamedType);
            writer.WriteString(type.FullName!);
            writer.WriteString(type.Assembly.GetName().Name!);
        }
    }

    /// <summary>Reads a wire name and resolves it against the allow-list.</summary>
    /// <param name="reader">Positioned at a name.</param>
    /// <param name="anyLoadedAssembly">For exception types: also look in the shared framework's loaded assemblies (never the app's other ones).</param>
    /// <param name="display">The name as read, for messages, even when it does not resolve.</param>
    /// <param name="nesting">How deep this name sits inside another (bounded against hostile input).</param>
    public Type? ReadName(ref BinReader reader, bool anyLoadedAssembly, out string display, int nesting = 0)
    {
        if (nesting > MaxNameNesting)
        {
            throw new PathException("a type name nests too deeply (tampered?)");
        }
        byte kind = reader.ReadByte();
        switch (kind)
        {
            case ArrayType:
                Type? element = ReadName(ref reader, anyLoadedAssembly, out string elementName, nesting + 1);
                display = elementName + "[]";
                return element?.MakeArrayType();
            case NamedType or GenericType:
                string name = reader.ReadString();
                string assembly = reader.ReadString();
                display = name;
                Type? type = ResolveLeaf(assembly, name, anyLoadedAssembly);
                if (kind == NamedType)
                {
                    return type;
                }
                int count = reader.ReadLength(1);
                var arguments = new Type?[count];
                var names = new string[count];
                for (int i = 0; i < count; i++)
                {
                    arguments[i] = ReadName(ref reader, anyLoadedAssembly, out names[i], nesting + 1);
                }
                display = $"{name}[{string.Join(",", names)}]";
                if (type is null || !type.IsGenericTypeDefinition || type.GetGenericArguments().Length != count || arguments.Any(a => a is null))
                {
                    return null;
                }
                try
                {
                    return type.MakeGenericType(arguments!);
                }
                catch (ArgumentException)
                {
                    return null; // the arguments break the definition's constraints
                }
            default:
                throw new PathException($"a type name has an unknown kind {kind} (tampered?)");
        }
    }

    /// <summary>
    /// A type by assembly and name: from the allow-list, or, for exceptions only, also from the .NET shared framework's
    /// own assemblies (a SocketException lives outside CoreLib), never from any other loaded assembly.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "In a single-file app no assembly has a location: exception types outside the allow-list then arrive as RemoteException, which is the safe side.")]
    private Type? ResolveLeaf(string assemblyName, string typeName, bool anyLoadedAssembly)
    {
        (string, string) key = (anyLoadedAssembly ? "framework:" + assemblyName : assemblyName, typeName);
        if (_resolved.TryGetValue(key, out Type? known))
        {
            return known;
        }
        // A miss is not cached: the assembly may be trusted later.
        Assembly? assembly = _resolvable.GetValueOrDefault(assemblyName);
        if (assembly is null && assemblyName == ProductAssembly)
        {
            // Our own product, never the peer's choice: loaded so that its handles (IProcessShared) resolve; its other
            // types stay off the allow-list (IsAllowed).
            assembly = Assembly.Load(new AssemblyName(ProductAssembly));
            _resolvable[ProductAssembly] = assembly;
        }
        if (assembly is null && anyLoadedAssembly)
        {
            string runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
            assembly = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == assemblyName && !a.IsDynamic
                && a.Location.StartsWith(runtime, StringComparison.Ordinal));
        }
        Type? type = assembly?.GetType(typeName, throwOnError: false, ignoreCase: false);
        if (type is not null)
        {
            _resolved.TryAdd(key, type);
        }
        return type;
    }

    public static string Display(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Display))}>"
        : type.Name;
}
