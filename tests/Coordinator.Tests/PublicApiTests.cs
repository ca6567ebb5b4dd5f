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

    private static IEnumerable<string> Describe(Assembly assembly)
    {
        foreach (Type type in assembly.GetExportedTypes())
        {
            yield return $"{assembly.GetName().Name}: {Kind(type)} {type.FullName}";
            foreach (MemberInfo member in type.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (member is MethodInfo { IsSpecialName: true } || member.Name is "Equals" or "GetHashCode" or "ToString" or "<Clone>$" or "Deconstruct" or "PrintMembers")
                {
                    continue;
                }
                yield return $"{assembly.GetName().Name}: {type.FullName}.{Signature(member)}";
            }
        }
    }

    private static string Kind(Type type) => type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? "struct" : type.IsAbstract && type.IsSealed ? "static class" : "class";

    private static string Signature(MemberInfo member) => member switch
    {
        MethodInfo m => $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})",
        ConstructorInfo c => $".ctor({string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name))})",
        _ => member.Name,
    };

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
