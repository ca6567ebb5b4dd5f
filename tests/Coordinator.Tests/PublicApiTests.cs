using System.Reflection;

namespace Actors.Tests.Coordination;

/// <summary>
/// Snapshots the public surface of the three libraries, so that every new public type or member is a
/// deliberate act: when this fails, review the difference, then update PublicApi.txt
/// (set ACTORS_UPDATE_PUBLIC_API=1 and run the test once to rewrite it).
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Assembly[] Libraries = [typeof(PayloadSerializer).Assembly, typeof(Coordinator).Assembly];

    [Fact]
    public void PublicApi_MatchesSnapshot()
    {
        string snapshot = Path.Combine(AppContext.BaseDirectory, "PublicApi.txt");
        string[] actual = [.. Libraries.SelectMany(Describe).Order(StringComparer.Ordinal)];
        if (Environment.GetEnvironmentVariable("ACTORS_UPDATE_PUBLIC_API") == "1")
        {
            File.WriteAllLines(Path.Combine(SourceDirectory(), "PublicApi.txt"), actual);
            return;
        }
        string[] expected = File.ReadAllLines(snapshot);
        Assert.Equal(expected, actual);
    }

    /// <summary>Every public type, and each of its public and protected members with its parameter and return types.</summary>
    private static IEnumerable<string> Describe(Assembly assembly)
    {
        foreach (Type type in assembly.GetExportedTypes())
        {
            string bases = string.Join(", ", new[] { type.BaseType }.Concat(type.GetInterfaces())
                .Where(t => t is not null && t != typeof(object) && t != typeof(ValueType) && t != typeof(Enum)).Select(t => Name(t!)).Order(StringComparer.Ordinal));
            yield return $"{assembly.GetName().Name}: {Kind(type)} {type.FullName}{(bases.Length > 0 ? " : " + bases : "")}";
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MemberInfo member in type.GetMembers(all).Where(Visible))
            {
                if (member is MethodInfo { IsSpecialName: true } || member.Name is "Equals" or "GetHashCode" or "ToString" or "<Clone>$" or "Deconstruct" or "PrintMembers" or "EqualityContract")
                {
                    continue;
                }
                yield return $"{assembly.GetName().Name}: {type.FullName}.{Signature(member)}";
            }
        }
    }

    /// <summary>Public, or protected (a subclass outside the assembly sees it).</summary>
    private static bool Visible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(Visible),
        EventInfo e => e.AddMethod is { } add && Visible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
        _ => false,
    };

    private static string Kind(Type type) => type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : type.IsAbstract ? "abstract class" : "class";

    private static string Signature(MemberInfo member) => member switch
    {
        MethodInfo m => $"{(m.IsFamily || m.IsFamilyOrAssembly ? "protected " : "")}{(m.IsStatic ? "static " : "")}{m.Name}{Generics(m)}({Parameters(m)}) -> {Name(m.ReturnType)}",
        ConstructorInfo c => $"{(c.IsFamily ? "protected " : "")}.ctor({Parameters(c)})",
        PropertyInfo p => $"{p.Name}: {Name(p.PropertyType)} {{{(p.GetMethod is { } g && Visible(g) ? " get;" : "")}{(p.SetMethod is { } s && Visible(s) ? (s.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? " init;" : " set;") : "")} }}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{f.Name}: {Name(f.FieldType)}",
        EventInfo e => $"event {e.Name}: {Name(e.EventHandlerType!)}",
        _ => member.Name,
    };

    private static string Generics(MethodInfo method) => method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : "";

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{(p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : "")}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    /// <summary>A type as C# spells it: <c>Func&lt;T, TResult&gt;</c>, <c>Nullable&lt;TimeSpan&gt;</c>, <c>Int32&amp;</c>.</summary>
    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!) + "&";
        }
        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }
        if (!type.IsGenericType)
        {
            return type.Name;
        }
        string name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
