using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Sync;

/// <summary>Lock, RLock and the shared counter across real child processes.</summary>
public sealed class ProcessLockTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void FourProcesses_1000LockedIncrementsEach_GiveExactly4000()
    {
        using var counter = new SharedValue<int>(0);
        ChildProcess[] children = [.. Enumerable.Range(0, 4).Select(_ => new ChildProcess(SyncTargets.IncrementUnderLock, [counter, 1000]))];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        foreach (ChildProcess child in children)
        {
            child.Join(Long);
            Assert.Equal(0, child.ExitCode);
        }
        Assert.Equal(4000, counter.Value);
    }

    [Fact]
    public void ALockHeldByAKilledProcess_IsReleased_AndTheNextAcquirerIsTold()
    {
        using var held = new ProcessLock();
        using var acquired = new ProcessEvent();
        var child = new ChildProcess(SyncTargets.HoldAndSignal, [held, acquired], daemon: true);
        child.Start();
        Assert.True(acquired.Wait(Long));
        Assert.False(held.TryAcquire());
        var release = Assert.Throws<SynchronizationLockException>(held.Release);
        Assert.Contains($"process {child.Pid}", release.Message, StringComparison.Ordinal); // another process's lock: not ours to release
        child.Kill();
        child.Join(Long);
        var abandoned = Assert.Throws<AbandonedMutexException>(() => held.Acquire(Long));
        Assert.Contains($"process {child.Pid}", abandoned.Message, StringComparison.Ordinal);
        held.Release(); // the lock was ours after the exception, as with a .NET Mutex
        Assert.True(held.TryAcquire());
        held.Release();
    }

    [Fact]
    public void AnRLockHeldTwiceByAProcessThatExits_IsReleased_AndTheNextAcquirerIsTold()
    {
        using var held = new ProcessRLock();
        var child = new ChildProcess(SyncTargets.HoldAndExit, [held]);
        child.Start();
        child.Join(Long);
        Assert.Equal(3, child.ExitCode);
        Assert.Throws<AbandonedMutexException>(() => held.Acquire());
        held.Acquire(); // re-entrant
        held.Release();
        held.Release();
        Assert.Equal("cannot release un-acquired lock", Assert.Throws<SynchronizationLockException>(held.Release).Message);
    }

    [Fact]
    public void Lock_MisuseAndTimeouts_AsInCPython()
    {
        using var lk = new ProcessLock();
        Assert.Equal("release unlocked lock", Assert.Throws<SynchronizationLockException>(lk.Release).Message);
        lk.Acquire();
        Assert.False(lk.TryAcquire()); // not re-entrant: acquire(False) fails
        var clock = Stopwatch.StartNew();
        Assert.False(lk.Acquire(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), $"returned after {clock.Elapsed}");
        Assert.Throws<LockRecursionException>(() => lk.Acquire()); // CPython would hang forever
        lk.Release();
        using (lk.EnterScope())
        {
            Assert.False(OnAnotherThread(lk.TryAcquire)); // another thread cannot have it
        }
        Assert.True(OnAnotherThread(() => { bool got = lk.TryAcquire(); lk.Release(); return got; }));
    }

    private static bool OnAnotherThread(Func<bool> action)
    {
        bool result = false;
        var thread = new Thread(() => result = action());
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void AWaitOnAHeldLock_IsNeverShorterThanAsked()
    {
        using var lk = new ProcessLock();
        using var acquired = new ProcessEvent();
        var child = new ChildProcess(SyncTargets.HoldAndSignal, [lk, acquired], daemon: true);
        child.Start();
        Assert.True(acquired.Wait(Long));
        foreach (int ms in new[] { 0, 50, 200 })
        {
            var clock = Stopwatch.StartNew();
            Assert.False(lk.Acquire(TimeSpan.FromMilliseconds(ms)));
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(ms), $"{ms} ms wait returned after {clock.Elapsed}");
        }
        child.Kill();
        child.Join(Long);
    }
}

/// <summary>The shared objects as Pool task arguments and closure captures, on real worker processes.</summary>
public sealed class SharedObjectsInPoolTests
{
    [Fact]
    public async Task PoolTasks_IncrementACapturedCounterUnderItsLock_AndTakeLocksAsArguments()
    {
        await using Actors.Pool pool = await Actors.Pool.StartAsync(new PoolOptions { Processes = 2 }, new CoordinatorOptions { Processes = 2 });
        using var counter = new SharedValue<int>(0);
        List<int> pids = pool.Map(i =>
        {
            for (int n = 0; n < 1000; n++)
            {
                using (counter.GetLock().EnterScope())
                {
                    counter.Value++;
                }
            }
            return Environment.ProcessId;
        }, Enumerable.Range(0, 8), chunksize: 1);
        Assert.Equal(8000, counter.Value);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        using var total = new SharedValue<long>(0, withLock: false);
        pool.Starmap((SharedValue<long> sum, int x) => sum.Add(x), Enumerable.Range(1, 100).Select(x => (total, x)));
        Assert.Equal(5050, total.Value);
    }
}
