namespace Actors.Runtime.Hosting;

/// <summary>Asks a worker's agent to start an actor of an allowed type; the reply is its <see cref="Akka.Actor.IActorRef"/>.</summary>
/// <param name="TypeName">The actor type's full name.</param>
/// <param name="AssemblyName">The simple name of its assembly, which must be on the worker's allow-list.</param>
/// <param name="Arguments">Constructor arguments, serialized like any message.</param>
/// <param name="Name">The actor's name, or null for a generated one.</param>
internal sealed record SpawnRequest(string TypeName, string AssemblyName, object?[] Arguments, string? Name);

/// <summary>A worker's first word to its coordinator, sent by its agent once its actor system is up.</summary>
internal sealed record WorkerHello(string Node, int Pid, string Host, int Cores, int Uid);

/// <summary>The system actor on every worker (<c>/system/worker</c>) that spawns actors for the coordinator (kernel, until the lane carries the pool).</summary>
internal sealed class KernelAgent(IReadOnlyCollection<System.Reflection.Assembly> allowed) : Actor
{
    public const string Name = "worker";

    protected override ValueTask ReceiveAsync(object message)
    {
        if (message is SpawnRequest request)
        {
            Type type = WorkerAgent.Resolve(allowed, request, typeof(Actor));
            Context.Respond(Context.System.Spawn(Props.Create(() => (Actor)Activator.CreateInstance(type, request.Arguments)!), request.Name));
        }
        else
        {
            Unhandled(message);
        }
        return default;
    }
}
