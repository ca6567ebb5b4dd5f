using Actors.TestKit;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class TellAskTests : SystemTest
{
    [Fact]
    public async Task Tell_ManyMessages_ArriveInOrder()
    {
        var probe = CreateProbe();
        ActorRef forwarder = System.Spawn(Props.Create(() => new Forwarder(probe.Ref)));
        for (int i = 0; i < 1000; i++)
        {
            forwarder.Tell(i);
        }
        for (int i = 0; i < 1000; i++)
        {
            await probe.ExpectMsgAsync(i);
        }
    }

    [Fact]
    public async Task Tell_FromInsideAnActor_SenderIsThatActor()
    {
        var probe = CreateProbe();
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        probe.Send(echo, "hi");
        await probe.ExpectMsgAsync("hi");
        Assert.Equal(echo, probe.LastSender);
    }

    [Fact]
    public async Task Ask_Reply_ReturnsIt()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        Assert.Equal(42, await echo.AskAsync<int>(42));
    }

    [Fact]
    public async Task Ask_NobodyAnswers_TimesOutWithTimeoutException()
    {
        ActorRef silent = System.Spawn(Props.Create(() => new Counter()));
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => silent.AskAsync<int>("inc", TimeSpan.FromMilliseconds(100)));
        Assert.Contains("no reply within", ex.Message, StringComparison.Ordinal);
        Assert.Contains(silent.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_Cancelled_ThrowsOperationCanceled()
    {
        ActorRef silent = System.Spawn(Props.Create(() => new Counter()));
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => silent.AskAsync<int>("inc", TimeSpan.FromSeconds(30), cts.Token));
    }

    [Fact]
    public async Task Ask_StoppedActor_FailsAtOnceNotByTimeout()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        await System.StopAsync(echo);
        var started = DateTime.UtcNow;
        var ex = await Assert.ThrowsAsync<ActorTerminatedException>(() => echo.AskAsync<int>(1, TimeSpan.FromSeconds(20)));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Contains("stopped", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_HandlerThrows_AskerGetsTheException()
    {
        ActorRef counter = System.Spawn(Props.Create(() => new Counter()));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.AskAsync<int>(new Boom("bad input")));
        Assert.Equal("bad input", ex.Message);
    }

    [Fact]
    public async Task Ask_WrongReplyType_ThrowsInvalidCastNamingBoth()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        var ex = await Assert.ThrowsAsync<InvalidCastException>(() => echo.AskAsync<string>(5));
        Assert.Contains("Int32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("String", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tell_NullMessage_ThrowsArgumentNull()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        Assert.Throws<ArgumentNullException>(() => echo.Tell(null!));
    }

    [Fact]
    public async Task AsyncHandler_MessagesStillOneAtATime()
    {
        var inside = 0;
        var overlaps = 0;
        ActorRef actor = System.Spawn(Props.Create(() => new AsyncActor(async () =>
        {
            if (Interlocked.Increment(ref inside) > 1) Interlocked.Increment(ref overlaps);
            await Task.Delay(1);
            Interlocked.Decrement(ref inside);
        })));
        for (int i = 0; i < 50; i++)
        {
            actor.Tell(i);
        }
        Assert.Equal(0, await actor.AskAsync<int>("done"));
        Assert.Equal(0, overlaps);
    }

    [Fact]
    public async Task Fairness_FloodedActor_DoesNotStarveAnother()
    {
        ActorRef busy = System.Spawn(Props.Create(() => new Counter()));
        for (int i = 0; i < 2_000_000; i++)
        {
            busy.Tell("inc");
        }
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        Assert.Equal("ping", await echo.AskAsync<string>("ping", TestKitTimes.Dilated(TimeSpan.FromSeconds(5))));
    }

    private sealed class AsyncActor(Func<Task> work) : Actor
    {
        protected override async ValueTask ReceiveAsync(object message)
        {
            if (message is "done")
            {
                Context.Respond(0);
                return;
            }
            await work();
        }
    }
}
