using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class DeathWatchTests : SystemTest
{
    [Fact]
    public async Task Watch_LiveActorStops_TerminatedExactlyOnce()
    {
        var probe = CreateProbe();
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        await probe.WatchAsync(echo);
        await probe.WatchAsync(echo);
        await echo.AskAsync<int>(1); // the watch is in place once the probe has processed it; asks are ordered behind it
        await System.StopAsync(echo);
        Terminated terminated = await probe.ExpectTerminatedAsync(echo);
        Assert.True(terminated.ExistenceConfirmed);
        await probe.ExpectNoMsgAsync();
    }

    [Fact]
    public async Task Watch_AlreadyDeadActor_TerminatedAtOnce()
    {
        var probe = CreateProbe();
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        await System.StopAsync(echo);
        await probe.WatchAsync(echo);
        await probe.ExpectTerminatedAsync(echo);
        await probe.ExpectNoMsgAsync();
    }

    [Fact]
    public async Task Watch_NeverExisted_TerminatedWithExistenceNotConfirmed()
    {
        var probe = CreateProbe();
        ActorRef ghost = System.Resolve(new ActorId("local", "/user/ghost", 99));
        await probe.WatchAsync(ghost);
        Terminated terminated = await probe.ExpectTerminatedAsync(ghost);
        Assert.False(terminated.ExistenceConfirmed);
    }

    [Fact]
    public async Task Unwatch_NoTerminatedAfterwards()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        var watcher = System.Spawn(Props.Create(() => new WatchThenUnwatch(echo)));
        Assert.Equal("unwatched", await watcher.AskAsync<string>("go"));
        await System.StopAsync(echo);
        Assert.Equal(0, await watcher.AskAsync<int>("terminated count"));
    }

    private sealed class WatchThenUnwatch(ActorRef target) : Actor
    {
        private int _terminated;

        protected override ValueTask ReceiveAsync(object message)
        {
            switch (message)
            {
                case "go":
                    Context.Watch(target);
                    Context.Unwatch(target);
                    Context.Respond("unwatched");
                    break;
                case Terminated:
                    _terminated++;
                    break;
                case "terminated count":
                    Context.Respond(_terminated);
                    break;
            }
            return default;
        }
    }
}
