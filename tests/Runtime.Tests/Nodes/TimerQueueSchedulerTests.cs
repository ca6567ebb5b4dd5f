using System.Diagnostics;
using Actors.Runtime.Nodes;
using Akka.Actor;
using Akka.Event;

namespace Actors.Runtime.Tests.Nodes;

/// <summary>The product's Akka scheduler: Akka's scheduling contract on .NET's timer queue.</summary>
public sealed class TimerQueueSchedulerTests() : Akka.TestKit.Xunit2.TestKit(NodeSystem.DefaultConfig.GetString("akka.scheduler.implementation") is { } type
    ? $"akka.scheduler.implementation = \"{type}\"" : throw new InvalidOperationException("config/actors.conf names no scheduler"))
{
    [Fact]
    public void TheProductsConfiguration_MakesItTheActorSystemsScheduler() =>
        Assert.IsType<TimerQueueScheduler>(Sys.Scheduler);

    [Fact]
    public void TellOnce_ArrivesOnce_NotBeforeItsDelay()
    {
        var watch = Stopwatch.StartNew();
        Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(200), TestActor, "due", ActorRefs.NoSender);
        ExpectMsg("due", TimeSpan.FromSeconds(3));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(199), $"arrived after {watch.Elapsed.TotalMilliseconds} ms");
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void TellRepeatedly_RepeatsUntilCancelled()
    {
        ICancelable cancelable = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.Zero, TimeSpan.FromMilliseconds(20), TestActor, "tick", ActorRefs.NoSender);
        for (int i = 0; i < 5; i++)
        {
            ExpectMsg("tick", TimeSpan.FromSeconds(3));
        }
        cancelable.Cancel();
        ReceiveWhile(TimeSpan.FromMilliseconds(100), m => m); // one may have been on its way
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void CancelledBeforeItIsDue_NeverArrives()
    {
        ICancelable cancelable = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.FromMilliseconds(100), TestActor, "never", ActorRefs.NoSender);
        cancelable.Cancel();
        ExpectNoMsg(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public void ADelayBeyondWhatADotNetTimerTakes_IsAcceptedAndWaits()
    {
        ICancelable longest = Sys.Scheduler.ScheduleTellOnceCancelable(TimeSpan.MaxValue, TestActor, "never", ActorRefs.NoSender);
        ICancelable long100Days = Sys.Scheduler.ScheduleTellRepeatedlyCancelable(TimeSpan.FromDays(100), TimeSpan.FromDays(100), TestActor, "never", ActorRefs.NoSender);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        longest.Cancel();
        long100Days.Cancel();
    }

    [Fact]
    public void ActorTimers_Work()
    {
        IActorRef actor = Sys.ActorOf(Props.Create(() => new Ticker(TestActor)));
        ExpectMsg("tick", TimeSpan.FromSeconds(3));
        ExpectMsg("tick", TimeSpan.FromSeconds(3));
        Sys.Stop(actor);
    }

    [Fact]
    public void ARepeatedTask_NeverOverlapsItself()
    {
        using var owned = new TimerQueueScheduler(Akka.Configuration.ConfigurationFactory.Empty, NoLogger.Instance);
        IScheduler scheduler = owned;
        int running = 0, overlapped = 0, runs = 0;
        using var enough = new ManualResetEventSlim();
        var cancelable = new Cancelable(scheduler);
        scheduler.Advanced.ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(1), () =>
        {
            if (Interlocked.Increment(ref running) > 1)
            {
                Interlocked.Increment(ref overlapped);
            }
            Thread.Sleep(10); // ten intervals
            Interlocked.Decrement(ref running);
            if (Interlocked.Increment(ref runs) == 5)
            {
                enough.Set();
            }
        }, cancelable);
        Assert.True(enough.Wait(TimeSpan.FromSeconds(5)));
        cancelable.Cancel();
        Assert.Equal(0, Volatile.Read(ref overlapped));
    }

    [Fact]
    public void Disposing_RunsWhatIsStillWaitingOnce_AndRefusesNewTasks()
    {
        var owned = new TimerQueueScheduler(Akka.Configuration.ConfigurationFactory.Empty, NoLogger.Instance);
        IScheduler scheduler = owned;
        int ran = 0, cancelledRan = 0;
        scheduler.Advanced.ScheduleOnce(TimeSpan.FromHours(1), () => Interlocked.Increment(ref ran));
        var cancelable = new Cancelable(scheduler);
        scheduler.Advanced.ScheduleOnce(TimeSpan.FromHours(1), () => Interlocked.Increment(ref cancelledRan), cancelable);
        cancelable.Cancel();
        owned.Dispose();
        Assert.Equal(1, ran);
        Assert.Equal(0, cancelledRan);
        Assert.Throws<SchedulerException>(() => scheduler.Advanced.ScheduleOnce(TimeSpan.Zero, () => { }));
    }

    private sealed class Ticker : ReceiveActor, IWithTimers
    {
        public Ticker(IActorRef probe)
        {
            Receive<string>(m => probe.Tell(m));
            Timers!.StartPeriodicTimer("tick", "tick", TimeSpan.FromMilliseconds(30));
        }

        public ITimerScheduler? Timers { get; set; }
    }
}
