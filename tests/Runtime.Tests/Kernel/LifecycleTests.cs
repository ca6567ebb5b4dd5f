using System.Collections.Concurrent;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class LifecycleTests : SystemTest
{
    [Fact]
    public async Task Hooks_RunInOrder()
    {
        var log = new ConcurrentQueue<string>();
        ActorRef counter = System.Spawn(Props.Create(() => new Counter(log)));
        await counter.AskAsync<int>(new Get());
        await System.StopAsync(counter);
        Assert.Equal(["started", "stopping", "stopped"], log.ToArray());
    }

    [Fact]
    public async Task Stop_ChildrenStopBeforeParent()
    {
        var log = new ConcurrentQueue<string>();
        ActorRef root = System.Spawn(Props.Create(() => new Parent("root", log, children: 3)));
        Assert.Equal(3, await root.AskAsync<int>("count"));
        await System.StopAsync(root);
        string[] order = log.ToArray();
        Assert.Equal(4, order.Length);
        Assert.Equal("root", order[^1]);
    }

    [Fact]
    public async Task PoisonPill_EarlierMessagesProcessedFirst()
    {
        var probe = CreateProbe();
        ActorRef forwarder = System.Spawn(Props.Create(() => new Forwarder(probe.Ref)));
        await probe.WatchAsync(forwarder);
        forwarder.Tell(1);
        forwarder.Tell(2);
        forwarder.Tell(PoisonPill.Instance);
        forwarder.Tell(3);
        await probe.ExpectMsgAsync(1);
        await probe.ExpectMsgAsync(2);
        await probe.ExpectTerminatedAsync(forwarder);
        await probe.ExpectNoMsgAsync();
    }

    [Fact]
    public async Task ContextStop_StopsChild()
    {
        var probe = CreateProbe();
        var log = new ConcurrentQueue<string>();
        ActorRef parent = System.Spawn(Props.Create(() => new Parent("p", log, ctx =>
        {
            ActorRef child = ctx.Spawn(Props.Create<Echo>(), "short-lived");
            _ = probe.WatchAsync(child); // a watch that lands after the stop still reports it
            ctx.Stop(child);
            return Task.CompletedTask;
        })));
        await probe.ExpectMsgAsync<Terminated>(t => t.Actor.Path.EndsWith("/short-lived", StringComparison.Ordinal));
        await System.StopAsync(parent);
    }

    [Fact]
    public async Task Shutdown_PendingAsksFailClearly_AndSpawnIsRefused()
    {
        var log = new ConcurrentQueue<string>();
        ActorRef silent = System.Spawn(Props.Create(() => new SlowToStop()));
        Task<int> pending = silent.AskAsync<int>("never answered", TimeSpan.FromMinutes(1));
        ActorRef root = System.Spawn(Props.Create(() => new Parent("root", log, children: 2)));
        await root.AskAsync<int>("count");
        await System.ShutdownAsync();
        var ex = await Assert.ThrowsAsync<ActorTerminatedException>(() => pending);
        Assert.Contains("shut down", ex.Message, StringComparison.Ordinal);
        Assert.Equal("root", log.ToArray()[^1]);
        Assert.Throws<InvalidOperationException>(() => System.Spawn(Props.Create<Echo>()));
    }

    private sealed class SlowToStop : Actor
    {
        protected override ValueTask ReceiveAsync(object message) => default;
    }
}
