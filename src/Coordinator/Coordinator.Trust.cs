using System.Collections.Concurrent;
using System.Reflection;
using Actors.Runtime.Tasks;

namespace Actors;

public sealed partial class Coordinator
{
    private readonly ConcurrentDictionary<(MethodInfo, Type?, Type), TrustAssemblies> _callTrust = new();

    /// <summary>
    /// The app assemblies a call names (see <see cref="CallAssemblies"/>): the task's class, its closure, its item, argument
    /// and result types. The app's own code named them at the call, so their types may travel for it, here now and on each
    /// worker before the call's first chunk gets there (the pool sends this). Worked out once per task and item type.
    /// </summary>
    internal TrustAssemblies TrustCall(MethodInfo method, Type? target, Type item) =>
        _callTrust.GetOrAdd((method, target, item), static (key, self) =>
            self.Trust([key.Item1.DeclaringType, key.Item2, key.Item3, key.Item1.ReturnType, .. key.Item1.GetParameters().Select(p => p.ParameterType)]), this);

    /// <summary>Trusts, here, the app assemblies of <paramref name="types"/> (and of their fields' types); returns them for the workers.</summary>
    internal TrustAssemblies Trust(IEnumerable<Type?> types)
    {
        Assembly[] assemblies = CallAssemblies.Named(types);
        Runtime.Serialization.AkkaPayloadSerializer.Of(System).Trust(assemblies);
        (string[] names, string[] locations) = CallAssemblies.Describe(assemblies);
        return new TrustAssemblies(names, locations);
    }
}
