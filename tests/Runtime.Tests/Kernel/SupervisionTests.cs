using System.Collections.Concurrent;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class SupervisionTests : SystemTest
{
    private ActorRef SpawnUnder(SupervisorStrategy strategy, Props child)
    {
        ActorRef supervisor = System.Spawn(Props.Create(() => new Supervisor()).WithChildSupervisor(strategy));
        return supervisor.AskAsync<ActorRef>(child).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task Restart_Default_FreshInstanceAndMailboxKept()
    {
        var log = new ConcurrentQueue<string>();
        ActorRef counter = System.Spawn(Props.Create(() => new Counter(log)));
        counter.Tell("inc");
        counter.Tell("inc");
        counter.Tell(new Boom("first"));
        counter.Tell("inc");
        Assert.Equal(1, await counter.AskAsync<int>(new Get()));
        Assert.Equal(["started", "restarting:first", "started"], log.ToArray());
    }

    [Fact]
    public async Task Resume_KeepsState()
    {
        ActorRef counter = SpawnUnder(SupervisorStrategy.OneForOne(_ => SupervisorDirective.Resume), Props.Create(() => new Counter()));
        counter.Tell("inc");
        counter.Tell(new Boom("x"));
        counter.Tell("inc");
        Assert.Equal(2, await counter.AskAsync<int>(new Get()));
    }

    [Fact]
    public async Task Stop_Directive_StopsChildAndWatcherIsTold()
    {
        var probe = CreateProbe();
        ActorRef counter = SpawnUnder(SupervisorStrategy.OneForOne(_ => SupervisorDirective.Stop), Props.Create(() => new Counter()));
        await probe.WatchAsync(counter);
        counter.Tell(new Boom("x"));
        await probe.ExpectTerminatedAsync(counter);
    }

    [Fact]
    public async Task Escalate_ParentFailsAndIsRestartedByItsOwnSupervisor()
    {
        var log = new ConcurrentQueue<string>();
        ActorRef parent = System.Spawn(Props.Create(() => new Counter(log))); // stands in as a grandparent-supervised actor
        var probe = CreateProbe();
        ActorRef supervisor = System.Spawn(Props.Create(() => new Supervisor(log))
            .WithChildSupervisor(SupervisorStrategy.OneForOne(_ => SupervisorDirective.Escalate)));
        ActorRef child = await supervisor.AskAsync<ActorRef>(Props.Create(() => new Counter()));
        await probe.WatchAsync(child);
        child.Tell(new Boom("escalated"));
        // The supervisor is restarted by the user guardian's default strategy, which stops its children first.
        await probe.ExpectTerminatedAsync(child);
        Assert.Contains("supervisor-restarting:escalated", log);
        await System.StopAsync(parent);
    }

    [Fact]
    public async Task RestartStorm_MoreThanMaxRestarts_ChildIsStopped()
    {
        var probe = CreateProbe();
        var log = new ConcurrentQueue<string>();
        ActorRef counter = SpawnUnder(SupervisorStrategy.OneForOne(_ => SupervisorDirective.Restart, maxRestarts: 3, within: TimeSpan.FromMinutes(1)),
            Props.Create(() => new Counter(log)));
        await probe.WatchAsync(counter);
        for (int i = 0; i < 10; i++)
        {
            counter.Tell(new Boom("storm " + i));
        }
        await probe.ExpectTerminatedAsync(counter);
        Assert.Equal(3, log.Count(l => l.StartsWith("restarting:", StringComparison.Ordinal)));
        Assert.Contains(Logs.Lines, l => l.Message.Contains("restarts within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConstructorThrows_ActorIsStoppedNotRestarted()
    {
        var probe = CreateProbe();
        int attempts = 0;
        ActorRef broken = System.Spawn(Props.Create<Actor>(() => { Interlocked.Increment(ref attempts); throw new InvalidOperationException("no config"); }));
        await probe.WatchAsync(broken);
        await probe.ExpectTerminatedAsync(broken);
        Assert.Equal(1, attempts);
        var ex = await Assert.ThrowsAsync<ActorTerminatedException>(() => broken.AskAsync<int>("x"));
        Assert.Contains("stopped", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Logs.Lines, l => l.Exception is ActorInitializationException { InnerException.Message: "no config" });
    }

    [Fact]
    public async Task OnStartedThrows_ActorIsStopped()
    {
        var probe = CreateProbe();
        ActorRef broken = System.Spawn(Props.Create(() => new Parent("p", new ConcurrentQueue<string>(), _ => throw new InvalidOperationException("hook"))));
        await probe.WatchAsync(broken);
        await probe.ExpectTerminatedAsync(broken);
    }

    [Fact]
    public async Task ThrowsOnEveryMessage_ProcessKeepsRunningAndOthersWork()
    {
        ActorRef bad = System.Spawn(Props.Create(() => new Counter()));
        for (int i = 0; i < 100; i++)
        {
            bad.Tell(new Boom("again"));
        }
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        Assert.Equal("still here", await echo.AskAsync<string>("still here"));
    }

    [Fact]
    public async Task StoppingHookThrows_StopStillCompletes()
    {
        var probe = CreateProbe();
        ActorRef actor = System.Spawn(Props.Create(() => new ThrowingHooks()));
        await probe.WatchAsync(actor);
        await System.StopAsync(actor);
        await probe.ExpectTerminatedAsync(actor);
        Assert.Contains(Logs.Lines, l => l.Message.Contains("OnStoppingAsync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeciderThrows_ChildIsStopped()
    {
        var probe = CreateProbe();
        ActorRef counter = SpawnUnder(SupervisorStrategy.OneForOne(_ => throw new InvalidOperationException("bad decider")), Props.Create(() => new Counter()));
        await probe.WatchAsync(counter);
        counter.Tell(new Boom("x"));
        await probe.ExpectTerminatedAsync(counter);
    }

    private sealed class ThrowingHooks : Actor
    {
        protected override ValueTask ReceiveAsync(object message) => default;

        protected override ValueTask OnStoppingAsync() => throw new InvalidOperationException("stopping hook");

        protected override ValueTask OnStoppedAsync() => throw new InvalidOperationException("stopped hook");
    }

    /// <summary>Spawns the props it is asked with and replies with the child.</summary>
    private sealed class Supervisor(ConcurrentQueue<string>? log = null) : Actor
    {
        protected override ValueTask ReceiveAsync(object message)
        {
            if (message is Props props)
            {
                Context.Respond(Context.Spawn(props));
            }
            return default;
        }

        protected override ValueTask OnRestartingAsync(Exception reason)
        {
            log?.Enqueue("supervisor-restarting:" + reason.Message);
            return default;
        }
    }
}
