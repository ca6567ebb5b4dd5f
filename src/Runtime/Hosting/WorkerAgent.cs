using System.Reflection;
using Akka.Actor;

namespace Actors.Runtime.Hosting;

/// <summary>
/// The worker's agent (<c>/user/worker</c>): announces the worker to its coordinator, and starts actors of
/// allowed types when the coordinator asks. Requests from any other node are refused: only the coordinator
/// places actors here.
/// </summary>
internal sealed class WorkerAgent : ReceiveActor
{
    public const string Name = "worker";

    private readonly IReadOnlyCollection<Assembly> _allowed;
    private readonly Address _coordinator;
    private readonly WorkerHello _hello;

    public WorkerAgent(IReadOnlyCollection<Assembly> allowed, Address coordinator, WorkerHello hello)
    {
        _allowed = allowed;
        _coordinator = coordinator;
        _hello = hello;
        Receive<SpawnRequest>(Spawn);
    }

    protected override void PreStart() =>
        Context.ActorSelection(new RootActorPath(_coordinator) / "user" / WorkerDirectoryPath.Name).Tell(_hello, Self);

    private void Spawn(SpawnRequest request)
    {
        if (Sender.Path.Address != _coordinator)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"Only the coordinator may place actors on this worker; {Sender.Path.Address} is not it.")));
            return;
        }
        try
        {
            Type type = Resolve(_allowed, request, typeof(ActorBase));
            Akka.Actor.Props props = Akka.Actor.Props.Create(type, request.Arguments);
            Sender.Tell(request.Name is null ? Context.ActorOf(props) : Context.ActorOf(props, request.Name));
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidActorNameException or ArgumentException)
        {
            Sender.Tell(new Status.Failure(ex));
        }
    }

    /// <summary>The type a request names, if it is a concrete <paramref name="baseType"/> from an allowed assembly.</summary>
    public static Type Resolve(IReadOnlyCollection<Assembly> allowed, SpawnRequest request, Type baseType)
    {
        Assembly assembly = allowed.FirstOrDefault(a => a.GetName().Name == request.AssemblyName)
            ?? throw new InvalidOperationException($"Assembly '{request.AssemblyName}' is not on this worker's allow-list; add it to CoordinatorOptions.AllowedAssemblies.");
        Type type = assembly.GetType(request.TypeName, throwOnError: false)
            ?? throw new InvalidOperationException($"Type '{request.TypeName}' was not found in '{request.AssemblyName}' on this worker.");
        return baseType.IsAssignableFrom(type) && !type.IsAbstract
            ? type
            : throw new InvalidOperationException($"'{request.TypeName}' is not a concrete {baseType.Name} type.");
    }
}

/// <summary>Where workers announce themselves on the coordinator: <c>/user/workers</c>.</summary>
internal static class WorkerDirectoryPath
{
    public const string Name = "workers";
}
