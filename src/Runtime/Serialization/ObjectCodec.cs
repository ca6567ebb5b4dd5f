using System.Reflection;
using System.Runtime.CompilerServices;

namespace Actors.Runtime.Serialization;

/// <summary>
/// Classes, structs and records, field by field (public and private, including readonly and
/// auto-property backing fields), so private state and get-only properties round-trip exactly.
/// Instances are created without running a constructor, as a deserializer must; fields marked
/// <see cref="NonSerializedAttribute"/> are skipped and come back as their default.
/// </summary>
internal sealed class ObjectCodec(CodecRegistry registry, Type type) : TypeCodec
{
    private Field[]? _fields;

    private Field[] Fields => _fields ??= Discover(type);

    public override void Write(BinWriter writer, object value)
    {
        foreach (Field field in Fields)
        {
            try
            {
                registry.WriteSlot(writer, field.Info.GetValue(value), field.Slot);
            }
            catch (Exception ex)
            {
                throw PathException.At(ex, "." + field.Name);
            }
        }
    }

    public override object Read(ref BinReader reader)
    {
        object instance = RuntimeHelpers.GetUninitializedObject(type);
        foreach (Field field in Fields)
        {
            try
            {
                field.Info.SetValue(instance, registry.ReadSlot(ref reader, field.Slot));
            }
            catch (Exception ex)
            {
                throw PathException.At(ex, "." + field.Name);
            }
        }
        return instance;
    }

    private static Field[] Discover(Type type)
    {
        var fields = new List<Field>();
        for (Type? t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
        {
            fields.AddRange(t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
#pragma warning disable SYSLIB0050 // [NonSerialized] is still the way C# marks a field as "not part of the data"
                .Where(f => !f.IsNotSerialized && !IsCachedLambda(f))
#pragma warning restore SYSLIB0050
                .OrderBy(f => f.MetadataToken)
                .Select(f => new Field(f, DisplayName(f), new Slot(f.FieldType))));
        }
        return [.. fields];
    }

    /// <summary>
    /// A closure's field where the compiler keeps a lambda it created in the same scope (<c>&lt;&gt;9__N</c>, as when
    /// <c>pool.Map(x => x * factor, …)</c> runs in a loop): a cache the compiled code refills when it finds it empty,
    /// not captured data, so it does not travel.
    /// </summary>
    private static bool IsCachedLambda(FieldInfo field) =>
        field.Name.StartsWith("<>9__", StringComparison.Ordinal) && typeof(Delegate).IsAssignableFrom(field.FieldType)
        && field.DeclaringType?.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) == true;

    private static string DisplayName(FieldInfo field) =>
        field.Name.StartsWith('<') && field.Name.IndexOf('>', StringComparison.Ordinal) is > 1 and int end ? field.Name[1..end] : field.Name;

    private sealed record Field(FieldInfo Info, string Name, Slot Slot);
}
