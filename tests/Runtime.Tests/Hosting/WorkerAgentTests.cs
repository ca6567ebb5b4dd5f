using Actors.Messages;
using Actors.Runtime.Hosting;
using Akka.Actor;

namespace Actors.Runtime.Tests.Hosting;

/// <summary>The worker's agent, alone in a test actor system: it places actors only for its coordinator.</summary>
public sealed class WorkerAgentTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Address Coordinator = Address.Parse("akka.ssl.tcp://actors@127.0.0.1:1");

    private static readonly System.Reflection.Assembly[] Allowed = [typeof(WorkerAgentTests).Assembly];

    private IActorRef Agent() => Sys.ActorOf(Props.Create(() => new WorkerAgent(() => Allowed, Coordinator, new WorkerHello("worker-1", 1, "host", 2, 7))));

    [Fact]
    public void SpawnRequest_FromAnyoneButTheCoordinator_IsRefused()
    {
        IActorRef agent = Agent();
        agent.Tell(new SpawnRequest(typeof(Echo).FullName!, typeof(Echo).Assembly.GetName().Name!, [], "echo"), TestActor);
        var failure = ExpectMsg<Status.Failure>();
        Assert.Contains("Only the coordinator", failure.Cause.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StopActor_FromAnyoneButTheCoordinator_IsIgnored()
    {
        IActorRef agent = Agent();
        IActorRef bystander = Sys.ActorOf(Props.Create<Echo>(), "bystander");
        Watch(bystander);
        agent.Tell(new StopActor(bystander), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        bystander.Tell("still here", TestActor);
        ExpectMsg("still here");
    }

    [Fact]
    public void Resolve_RefusesTypesOutsideTheAllowList_AndNonActors()
    {
        var other = new SpawnRequest(typeof(string).FullName!, "System.Private.CoreLib", [], null);
        Assert.Contains("not on this worker's allow-list", Assert.Throws<InvalidOperationException>(() => WorkerAgent.Resolve([typeof(WorkerAgentTests).Assembly], other, typeof(ActorBase))).Message, StringComparison.Ordinal);
        var notActor = new SpawnRequest(typeof(WorkerAgentTests).FullName!, typeof(WorkerAgentTests).Assembly.GetName().Name!, [], null);
        Assert.Contains("not a concrete ActorBase", Assert.Throws<InvalidOperationException>(() => WorkerAgent.Resolve([typeof(WorkerAgentTests).Assembly], notActor, typeof(ActorBase))).Message, StringComparison.Ordinal);
    }

    public sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }
}
