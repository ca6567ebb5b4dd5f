using System.Reflection;
using Actors.Runtime.Lane;
using Akka.Actor;

namespace Actors.Runtime.Hosting;

/// <summary>
/// The worker's agent (<c>/user/worker</c>): announces the worker to its coordinator, starts actors of allowed
/// types when the coordinator asks (over Akka.Remote; requests from any other node are refused), and is the
/// inbox of the worker's lane: it starts the product's own actors there (the Pool's task runners) and routes
/// lane messages to them by <see cref="ILaneRouted.Route"/>.
/// </summary>
internal sealed class WorkerAgent : ReceiveActor
{
    public const string Name = "worker";

    private readonly Func<IReadOnlyCollection<Assembly>> _allowed;
    private readonly Address _coordinator;
    private readonly WorkerHello _hello;

    /// <param name="allowed">The app assemblies trusted now (the coordinator adds those its calls name).</param>
    /// <param name="coordinator">The only node whose requests are obeyed.</param>
    /// <param name="hello">What the agent announces.</param>
    public WorkerAgent(Func<IReadOnlyCollection<Assembly>> allowed, Address coordinator, WorkerHello hello)
    {
        _allowed = allowed;
        _coordinator = coordinator;
        _hello = hello;
        Receive<SpawnRequest>(Spawn);
        Receive<StopActor>(stop =>
        {
            // Only the coordinator, and only actors this agent placed (its children).
            if (Sender.Path.Address == _coordinator && stop.Actor is IActorRef actor && actor.Path.Parent.Elements.SequenceEqual(Self.Path.Elements))
            {
                Context.Stop(actor);
            }
        });
        Receive<LaneRequest>(OnLane);
    }

    private void OnLane(LaneRequest request)
    {
        switch (request.Message)
        {
            case ILaneRouted routed when routed.Route.IndexOf('/', StringComparison.Ordinal) < 0:
                IActorRef child = Context.Child(routed.Route);
                if (child.IsNobody())
                {
                    request.Fail(new InvalidOperationException($"Nothing runs under '{routed.Route}' on this worker (it was stopped, or this process replaced one that had it)."));
                }
                else
                {
                    child.Forward(request);
                }
                break;
            case ILaneRouted below:
                Context.ActorSelection(below.Route).Tell(request);
                break;
            case DeliverLocal deliver:
                ((IActorRef)deliver.Target).Tell(deliver.Message, deliver.Sender as IActorRef ?? ActorRefs.NoSender);
                break;
            case StartLaneActor start:
                try
                {
                    if (Context.Child(start.Route).IsNobody())
                    {
                        Type type = Resolve(_allowed(), new SpawnRequest(start.TypeName, start.AssemblyName, start.Arguments, start.Route), typeof(ActorBase));
                        Props props = Props.Create(type, start.Arguments);
                        IActorRef started = Context.ActorOf(start.Dispatcher is null ? props : props.WithDispatcher(start.Dispatcher), start.Route);
                        request.Lane.AddRoute(start.Route, started); // its lane messages skip this agent from now on
                    }
                    request.Reply(true);
                }
                catch (Exception ex) when (ex is InvalidOperationException or InvalidActorNameException or ArgumentException)
                {
                    request.Fail(ex);
                }
                break;
            case StopLaneActor stop:
                request.Lane.RemoveRoute(stop.Route);
                Context.Stop(Context.Child(stop.Route));
                request.Reply(true);
                break;
            default:
                request.Fail(new InvalidOperationException($"A worker's lane does not take a {request.Message.GetType().Name}."));
                break;
        }
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
            Type type = Resolve(_allowed(), request, typeof(ActorBase));
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
            ?? throw new InvalidOperationException($"Assembly '{request.AssemblyName}' is not on this worker's allow-list (the coordinator trusts the assembly of each actor type it spawns; a request from elsewhere gets no such trust).");
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
