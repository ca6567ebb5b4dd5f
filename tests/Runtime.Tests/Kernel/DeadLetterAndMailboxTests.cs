using Actors.TestKit;
using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class DeadLetterAndMailboxTests : SystemTest
{
    [Fact]
    public async Task MessageToStoppedActor_CountedLoggedAndPublished()
    {
        var probe = CreateProbe();
        System.SubscribeDeadLetters(probe.Ref);
        ActorRef echo = System.Spawn(Props.Create<Echo>(), "gone");
        await System.StopAsync(echo);
        long before = System.DeadLetterCount;
        echo.Tell("hello?");
        DeadLetter letter = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Equal("hello?", letter.Message);
        Assert.Equal(echo, letter.Recipient);
        Assert.Contains("stopped", letter.Reason, StringComparison.Ordinal);
        Assert.Equal(before + 1, System.DeadLetterCount);
        Assert.Contains(Logs.Lines, l => l.Category == "Actors.DeadLetters" && l.Message.Contains("/user/gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unhandled_IsADeadLetter()
    {
        var probe = CreateProbe();
        System.SubscribeDeadLetters(probe.Ref);
        ActorRef counter = System.Spawn(Props.Create(() => new Counter()));
        counter.Tell(3.14);
        DeadLetter letter = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Contains("did not handle", letter.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BoundedMailbox_FloodWithTell_OverflowBecomesDeadLettersSayingMailboxFull()
    {
        var gate = new TaskCompletionSource();
        ActorRef slow = System.Spawn(Props.Create(() => new Gated(gate.Task)).WithMailbox(MailboxOptions.Bounded(10)));
        var probe = CreateProbe();
        System.SubscribeDeadLetters(probe.Ref);
        for (int i = 0; i < 100; i++)
        {
            slow.Tell(i);
        }
        DeadLetter letter = await probe.ExpectMsgAsync<DeadLetter>();
        Assert.Contains("mailbox is full (capacity 10)", letter.Reason, StringComparison.Ordinal);
        gate.SetResult();
        int processed = await slow.AskAsync<int>("count");
        Assert.InRange(processed, 10, 11); // the capacity, plus the one that was being handled
        Assert.True(System.DeadLetterCount >= 89);
    }

    [Fact]
    public async Task BoundedMailbox_TellAsync_WaitsForSpaceAndLosesNothing()
    {
        var gate = new TaskCompletionSource();
        ActorRef slow = System.Spawn(Props.Create(() => new Gated(gate.Task)).WithMailbox(MailboxOptions.Bounded(4)));
        var sends = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                await slow.TellAsync(i);
            }
        });
        await Task.Delay(100);
        Assert.False(sends.IsCompleted); // the sender is held back while the actor is blocked
        gate.SetResult();
        await sends.WaitAsync(TestKitTimes.Dilated(TimeSpan.FromSeconds(10)));
        Assert.Equal(200, await slow.AskAsync<int>("count"));
        Assert.Equal(0, System.DeadLetterCount);
    }

    [Fact]
    public async Task BoundedMailbox_TellAsyncCancelled_ThrowsOperationCanceled()
    {
        var gate = new TaskCompletionSource();
        ActorRef slow = System.Spawn(Props.Create(() => new Gated(gate.Task)).WithMailbox(MailboxOptions.Bounded(1)));
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            for (int i = 0; i < 100; i++)
            {
                await slow.TellAsync(i, cancellationToken: cts.Token);
            }
        });
        gate.SetResult();
    }

    [Fact]
    public void MailboxOptions_InvalidValues_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MailboxOptions.Bounded(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MailboxOptions { Throughput = 0 });
    }

    /// <summary>Blocks its first message until the gate opens, then counts messages.</summary>
    private sealed class Gated(Task gate) : Actor
    {
        private int _count;

        protected override async ValueTask ReceiveAsync(object message)
        {
            if (message is "count")
            {
                Context.Respond(_count);
                return;
            }
            await gate;
            _count++;
        }
    }
}
