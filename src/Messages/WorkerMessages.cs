namespace Actors.Messages;

/// <summary>Asks a worker's agent to start an actor of an allowed type; the reply is its actor reference.</summary>
/// <param name="TypeName">The actor type's full name.</param>
/// <param name="AssemblyName">The simple name of its assembly, which must be on the worker's allow-list.</param>
/// <param name="Arguments">Constructor arguments, serialized like any message.</param>
/// <param name="Name">The actor's name, or null for a generated one.</param>
internal sealed record SpawnRequest(string TypeName, string AssemblyName, object?[] Arguments, string? Name);

/// <summary>A worker's first word to its coordinator, sent by its agent once its actor system is up.</summary>
internal sealed record WorkerHello(string Node, int Pid, string Host, int Cores, int Uid);

/// <summary>A lane message for the actor a worker's agent started under <see cref="Route"/> (a child name, or a path below one).</summary>
internal interface ILaneRouted
{
    string Route { get; }
}

/// <summary>
/// Asks a worker's agent, over the lane, to start an actor of an allowed type under <paramref name="Route"/>; lane
/// messages routed there reach it, on the dispatcher named <paramref name="Dispatcher"/> (null: the default). The reply is <c>true</c>.
/// </summary>
internal sealed record StartLaneActor(string Route, string TypeName, string AssemblyName, object?[] Arguments, string? Dispatcher);

/// <summary>Stops the actor a worker's agent started under <paramref name="Route"/>.</summary>
internal sealed record StopLaneActor(string Route);

/// <summary>
/// A message for an actor on this worker that is over Akka.Remote's frame size: it came on the lane instead, and the
/// agent delivers it locally. <paramref name="Target"/> and <paramref name="Sender"/> are actor references.
/// </summary>
internal sealed record DeliverLocal(object Target, object Message, object? Sender);

/// <summary>Asks a worker's agent to stop one of the actors it placed (remote PoisonPill and Kill are refused in untrusted mode).</summary>
internal sealed record StopActor(object Actor);

/// <summary>
/// From the coordinator over the lane: the app's code named types of these assemblies in a call (a task's class, its
/// closure, its item and result types), so the worker loads them and trusts their types from now on. Applied by the lane's
/// reader before it decodes the next message, so the call's own messages that follow can use them. <paramref name="Names"/>
/// are simple assembly names, <paramref name="Locations"/> their files on the coordinator (tried when the name alone does
/// not load). Only the authenticated coordinator sends it; a worker never takes it from anyone else.
/// </summary>
internal sealed record TrustAssemblies(string[] Names, string[] Locations);
