using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Actors;

public sealed partial class Coordinator
{
    private readonly ConcurrentDictionary<(MethodInfo, Type?, Type), TrustAssemblies> _callTrust = new();

    /// <summary>
    /// The app assemblies a call names: the task's class, its closure, its item type and its result type, and the types
    /// of their fields. The app's own code named them at the call, so their types may travel for it, here now and on each
    /// worker before the call's first chunk gets there (the pool sends this). Base-library assemblies are left out: what
    /// of them travels is fixed. Worked out once per task and item type.
    /// </summary>
    internal TrustAssemblies TrustCall(MethodInfo method, Type? target, Type item) =>
        _callTrust.GetOrAdd((method, target, item), static (key, self) =>
            self.Trust([key.Item1.DeclaringType, key.Item2, key.Item3, key.Item1.ReturnType, .. key.Item1.GetParameters().Select(p => p.ParameterType)]), this);

    /// <summary>Trusts, here, the app assemblies of <paramref name="types"/> (and of their fields' types); returns them for the workers.</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location (single-file) is passed on as such; the worker then loads the assembly by name, from the same bundle.")]
    internal TrustAssemblies Trust(IEnumerable<Type?> types)
    {
        var found = new HashSet<Assembly>();
        var seen = new HashSet<Type>();
        foreach (Type? type in types)
        {
            Collect(type, found, seen, 0);
        }
        Assembly[] assemblies = [.. found];
        Runtime.Serialization.AkkaPayloadSerializer.Of(System).Trust(assemblies);
        return new TrustAssemblies([.. assemblies.Select(a => a.GetName().Name!)], [.. assemblies.Select(a => a.Location)]);
    }

    private const int TrustDepth = 4; // fields of fields: deep enough for real item types, bounded for huge graphs

    private static void Collect(Type? type, HashSet<Assembly> found, HashSet<Type> seen, int depth)
    {
        if (type is null || depth > TrustDepth || !seen.Add(type))
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
