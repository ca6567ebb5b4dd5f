namespace Actors.Runtime.Hosting;

/// <summary>Asks a worker's agent to start an actor of an allowed type; the reply is its <see cref="ActorRef"/>.</summary>
/// <param name="TypeName">The actor type's full name.</param>
/// <param name="AssemblyName">The simple name of its assembly, which must be on the worker's allow-list.</param>
/// <param name="Arguments">Constructor arguments, serialized like any message.</param>
/// <param name="Name">The actor's name, or null for a generated one.</param>
internal sealed record SpawnRequest(string TypeName, string AssemblyName, object?[] Arguments, string? Name);

/// <summary>The system actor on every worker (<c>/system/worker</c>) that spawns actors for the coordinator.</summary>
internal sealed class WorkerAgent(IReadOnlyCollection<System.Reflection.Assembly> allowed) : Actor
{
    public const string Name = "worker";

    protected override ValueTask ReceiveAsync(object message)
    {
        if (message is SpawnRequest request)
        {
            Type type = Resolve(request);
            Context.Respond(Context.System.Spawn(Props.Create(() => (Actor)Activator.CreateInstance(type, request.Arguments)!), request.Name));
        }
        else
        {
            Unhandled(message);
        }
        return default;
    }

    private Type Resolve(SpawnRequest request)
    {
        System.Reflection.Assembly assembly = allowed.FirstOrDefault(a => a.GetName().Name == request.AssemblyName)
            ?? throw new InvalidOperationException($"Assembly '{request.AssemblyName}' is not on this worker's allow-list; add it to CoordinatorOptions.AllowedAssemblies.");
        Type type = assembly.GetType(request.TypeName, throwOnError: false)
            ?? throw new InvalidOperationException($"Type '{request.TypeName}' was not found in '{request.AssemblyName}' on this worker.");
        return typeof(Actor).IsAssignableFrom(type) && !type.IsAbstract
            ? type
            : throw new InvalidOperationException($"'{request.TypeName}' is not a concrete Actor type.");
    }
}
