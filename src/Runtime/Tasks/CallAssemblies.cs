using System.Reflection;
using System.Runtime.InteropServices;

namespace Actors.Runtime.Tasks;

/// <summary>
/// The app assemblies a call names: the types the app's own code passed (a task's class, its closure, item, argument
/// and result types) and the types of their fields, a few levels down. Their types may travel for that call; the base
/// library is left out, since what of it travels is fixed.
/// </summary>
internal static class CallAssemblies
{
    private const int Depth = 4; // fields of fields: deep enough for real item types, bounded for huge graphs

    public static Assembly[] Named(IEnumerable<Type?> types)
    {
        var found = new HashSet<Assembly>();
        var seen = new HashSet<Type>();
        foreach (Type? type in types)
        {
            Collect(type, found, seen, 0);
        }
        return [.. found];
    }

    /// <summary>The names and files of <paramref name="assemblies"/>, as a child is told them.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (single-file) is passed on as such; the child then loads the assembly by name, from the same bundle.")]
    public static (string[] Names, string[] Locations) Describe(IReadOnlyCollection<Assembly> assemblies) =>
        ([.. assemblies.Select(a => a.GetName().Name!)], [.. assemblies.Select(a => a.Location)]);

    private static void Collect(Type? type, HashSet<Assembly> found, HashSet<Type> seen, int depth)
    {
        if (type is null || depth > Depth || !seen.Add(type))
        {
            return;
        }
        if (type.HasElementType)
        {
            Collect(type.GetElementType(), found, seen, depth);
            return;
        }
        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            Collect(type.GetGenericTypeDefinition(), found, seen, depth);
            foreach (Type argument in type.GetGenericArguments())
            {
                Collect(argument, found, seen, depth);
            }
        }
        if (!IsApp(type.Assembly))
        {
            return;
        }
        found.Add(type.Assembly);
        for (Type? t = type; t is not null && IsApp(t.Assembly); t = t.BaseType)
        {
            foreach (FieldInfo field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                Collect(field.FieldType, found, seen, depth + 1);
            }
        }
    }

    /// <summary>
    /// Not the .NET base library (which lives in the runtime's own folder, or, in a single-file app, where nothing has a
    /// file, is named System.* / Microsoft.*) and not generated in memory.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (single-file) is handled: the name decides.")]
    private static bool IsApp(Assembly assembly) =>
        !assembly.IsDynamic && (assembly.Location.Length > 0
            ? !assembly.Location.StartsWith(RuntimeEnvironment.GetRuntimeDirectory(), StringComparison.Ordinal)
            : assembly.GetName().Name is { } name && !name.StartsWith("System.", StringComparison.Ordinal) && !name.StartsWith("Microsoft.", StringComparison.Ordinal)
                && name is not ("System" or "mscorlib" or "netstandard"));
}
