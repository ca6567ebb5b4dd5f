using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Sync;

/// <summary>Semaphore, BoundedSemaphore, Event, Condition and Barrier with CPython's semantics, across real child processes.</summary>
public sealed class SyncPrimitiveTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void Semaphore_CountsAcrossProcesses_AndAWaitIsNeverShorterThanAsked()
    {
        using var semaphore = new ProcessSemaphore(0);
        var clock = Stopwatch.StartNew();
        Assert.False(semaphore.Acquire(TimeSpan.FromMilliseconds(150)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(150), $"returned after {clock.Elapsed}");
        Assert.False(semaphore.TryAcquire());
        var child = new ChildProcess(SyncTargets.ReleaseSemaphore, [semaphore]);
        child.Start();
        Assert.True(semaphore.Acquire(Long)); // released by the child
        child.Join(Long);
        semaphore.Release(3);
        Assert.Equal(3, semaphore.GetValue());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessSemaphore(-1));
    }

    [Fact]
    public void BoundedSemaphore_ReleasedTooOften_Throws()
    {
        using var bounded = new ProcessBoundedSemaphore(2);
        bounded.Acquire();
        bounded.Release();
        var ex = Assert.Throws<SemaphoreFullException>(() => bounded.Release());
        Assert.StartsWith("semaphore or lock released too many times", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, bounded.GetValue());
    }

    [Fact]
    public void Event_SetInOneProcess_WakesAWaiterInAnother()
    {
        using var go = new ProcessEvent();
        using var done = new ProcessEvent();
        var child = new ChildProcess(SyncTargets.WaitForEvent, [go, done]);
        child.Start();
        Assert.False(done.Wait(TimeSpan.FromMilliseconds(200)));
        go.Set();
        Assert.True(go.IsSet());
        Assert.True(done.Wait(Long));
        child.Join(Long);
        go.Clear();
        Assert.False(go.IsSet());
        var clock = Stopwatch.StartNew();
        Assert.False(go.Wait(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void Condition_NotifyN_WakesExactlyN_ThenNotifyAllTheRest()
    {
        using var condition = new ProcessCondition();
        using var woken = new SharedValue<int>(0);
        using var waiting = new ProcessSemaphore(0);
        ChildProcess[] children = [.. Enumerable.Range(0, 4).Select(_ => new ChildProcess(SyncTargets.WaitOnCondition, [condition, woken, waiting]))];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        for (int i = 0; i < 4; i++)
        {
            Assert.True(waiting.Acquire(Long)); // each child holds the lock while it releases this, so it is waiting once we get the lock
        }
        using (condition.EnterScope())
        {
            condition.Notify(2);
        }
        SpinWait.SpinUntil(() => woken.Value == 2, Long);
        Thread.Sleep(300);
        Assert.Equal(2, woken.Value); // not more
        using (condition.EnterScope())
        {
            condition.NotifyAll();
        }
        foreach (ChildProcess child in children)
        {
            child.Join(Long);
        }
        Assert.Equal(4, woken.Value);
    }

    [Fact]
    public void Condition_Misuse_AndTimeout_AsInCPython()
    {
        using var condition = new ProcessCondition(new ProcessLock());
        Assert.Equal("cannot wait on un-acquired lock", Assert.Throws<SynchronizationLockException>(() => condition.Wait(TimeSpan.Zero)).Message);
        Assert.Equal("cannot notify on un-acquired lock", Assert.Throws<SynchronizationLockException>(() => condition.Notify()).Message);
        using (condition.EnterScope())
        {
            var clock = Stopwatch.StartNew();
            Assert.False(condition.Wait(TimeSpan.FromMilliseconds(100)));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100));
            int calls = 0;
            Assert.False(condition.WaitFor(() => ++calls > 100, TimeSpan.FromMilliseconds(50)));
            Assert.True(condition.WaitFor(() => true));
        }
    }

    [Fact]
    public void Barrier_ReleasesThreeProcessesTogether_WithDistinctIndexes()
    {
        using var barrier = new ProcessBarrier(3);
        using var arrivals = new SharedArray<int>(3);
        ChildProcess<int>[] children = [.. Enumerable.Range(0, 2).Select(_ => new ChildProcess<int>(SyncTargets.WaitAtBarrier, [barrier, arrivals]))];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        int mine = barrier.Wait(Long);
        arrivals[mine] = Environment.ProcessId;
        foreach (ChildProcess<int> child in children)
        {
            child.Join(Long);
        }
        Assert.Equal([0, 1, 2], children.Select(c => c.Result).Append(mine).Order());
        Assert.Equal(3, arrivals.ToArray().Distinct().Count());
        Assert.Equal(0, barrier.NWaiting);
    }

    [Fact]
    public void Barrier_BrokenByTimeoutOrAbort_UntilReset()
    {
        using var barrier = new ProcessBarrier(2);
        var clock = Stopwatch.StartNew();
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100));
        Assert.True(barrier.Broken);
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait(TimeSpan.FromSeconds(5))); // at once: it is broken
        barrier.Reset();
        Assert.False(barrier.Broken);
        barrier.Abort();
        Assert.Throws<BrokenBarrierException>(() => barrier.Wait());
        barrier.Reset();
        Assert.Equal(2, barrier.Parties);
    }
}
