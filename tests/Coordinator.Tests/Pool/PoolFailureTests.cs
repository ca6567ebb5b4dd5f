using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Pool;

public sealed class PoolFailureTests : PoolTest
{
    [Fact]
    public void WorkerKilledMidMap_MapCompletes_EveryResultExactlyOnce()
    {
        AsyncResult<List<long>> map = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 200), chunksize: 4);
        Thread.Sleep(300);
        int victim = Pool.Map(Tasks.Pid, new[] { 0 }).Single();
        Process.GetProcessById(victim).Kill();
        List<long> results = map.Get(TestTimes.Dilated(TimeSpan.FromSeconds(60)));
        Assert.Equal(Enumerable.Range(0, 200).Select(x => (long)x), results);
    }

    [Fact]
    public void WorkerKilledWhileTinyTasksTravelMerged_EveryResultExactlyOnce()
    {
        var seen = new List<int>();
        int victim = 0;
        foreach ((int item, int pid) in Pool.ImapUnordered(Tasks.BusyWithPid, Enumerable.Range(0, 40_000)))
        {
            seen.Add(item);
            if (seen.Count == 2_000)
            {
                victim = pid;
                Process.GetProcessById(pid).Kill(); // several items in each message it holds
            }
        }
        Assert.NotEqual(0, victim);
        Assert.Equal(Enumerable.Range(0, 40_000), seen.Order());
    }

    [Fact]
    public void PoisonItem_FailsAlone_NamingPidAndSignal_OthersComplete()
    {
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(Tasks.KillSelfOn3, Enumerable.Range(0, 8), chunksize: 2));
        Assert.Equal(3, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Contains("killed by signal 9 (SIGKILL)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(9, ex.Signal);
        Assert.Null(ex.ExitCode);
        Assert.True(Actors.Pool.TryGetItemIndex(ex, out int index) && index == 3);
        Assert.True(ex.Pid > 0);
        List<int> good = [.. Pool.ImapUnordered(Tasks.Square, Enumerable.Range(0, 8).Where(i => i != 3))];
        Assert.Equal(7, good.Count);
    }

    [Fact]
    public void WorkerEndsWithFailFast_ItemFailsNamingTheSignal_OthersComplete()
    {
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(Tasks.FailFastOn5, Enumerable.Range(0, 10), chunksize: 1));
        Assert.Equal(5, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Contains("SIGABRT", ex.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2], Pool.Map(Tasks.FailFastOn5, new[] { 0, 1, 2 }));
    }

    [Fact]
    public void StackOverflow_KillsItsWorker_ItemFailsNamingTheSignal_OthersComplete()
    {
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(Tasks.OverflowOn4, Enumerable.Range(0, 8), chunksize: 1));
        Assert.Equal(4, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Contains("signal", ex.Message, StringComparison.Ordinal);
        Assert.Equal([0, 1, 2, 3, 5, 6, 7], Pool.Map(Tasks.OverflowOn4, new[] { 0, 1, 2, 3, 5, 6, 7 }));
    }

    [Fact]
    public void OutOfMemoryInATask_FailsThatItemWithItsType_WorkerKept()
    {
        int[] before = [.. Pool.Map(Tasks.Pid, new[] { 0, 1, 2, 3 }, chunksize: 1).Distinct().Order()];
        var ex = Assert.Throws<OutOfMemoryException>(() => Pool.Map(Tasks.OutOfMemoryOn2, Enumerable.Range(0, 6), chunksize: 1));
        Assert.Equal(2, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Equal(before, Pool.Map(Tasks.Pid, new[] { 0, 1, 2, 3 }, chunksize: 1).Distinct().Order()); // the same processes
    }

    [Fact]
    public void PoisonItem_InImapUnordered_SurfacesAtThatItemAsWorkerLost()
    {
        var got = new List<int>();
        Exception? failure = null;
        using IEnumerator<int> results = Pool.ImapUnordered(Tasks.KillSelfOn3, Enumerable.Range(0, 8)).GetEnumerator();
        while (true)
        {
            try
            {
                if (!results.MoveNext()) break;
                got.Add(results.Current);
            }
            catch (WorkerLostException ex)
            {
                failure = ex;
                break;
            }
        }
        Assert.NotNull(failure);
        Assert.Equal(3, failure.Data[Actors.Pool.ItemIndexKey]);
        Assert.DoesNotContain(9, got); // 9 is 3 squared: the poison item never produced a result
    }
}

public sealed class PoolTimeoutTests : PoolTest
{
    protected override PoolOptions Options => new() { TaskTimeout = TestTimes.Dilated(TimeSpan.FromSeconds(2)) };

    [Fact]
    public void StuckTask_TimesOutAlone_WorkerReplaced_OthersComplete()
    {
        Pool.Map(Tasks.Hang, Enumerable.Range(3, 20), chunksize: 1); // warm: a cold worker's first task also loads and compiles
        var started = DateTime.UtcNow;
        var ex = Assert.Throws<TimeoutException>(() => Pool.Map(Tasks.Hang, Enumerable.Range(0, 6), chunksize: 1));
        Assert.Equal(2, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Contains("TaskTimeout", ex.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TestTimes.Dilated(TimeSpan.FromSeconds(20)));
        Assert.Equal([0, 1, 4], Pool.Map(Tasks.Square, new[] { 0, 1, 2 }));
    }

    [Fact]
    public void StuckTasksOnBothWorkersAtOnce_BothTimeOut()
    {
        // A fresh pool: both workers' first chunks leave at once with the same lane-local request number, so each
        // needs a timer of its own (they once shared one key, and one stuck task then never timed out).
        AsyncResult<List<int>> both = Pool.MapAsync(Tasks.Hang, new[] { 2, 2 }, chunksize: 1);
        var ex = Assert.Throws<TimeoutException>(() => both.Get(TestTimes.Dilated(TimeSpan.FromSeconds(30))));
        Assert.Contains("TaskTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1, 4], Pool.Map(Tasks.Square, new[] { 1, 2 }));
    }
}

public sealed class PoolCPythonRetriesTests : PoolTest
{
    protected override PoolOptions Options => new() { MaxTaskRetries = 0 };

    [Fact]
    public void RetryLimitZero_WorkerDeathFailsItsItems_NoHang()
    {
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(Tasks.KillSelfOn3, Enumerable.Range(0, 6), chunksize: 1));
        Assert.Contains("retry limit is 0", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1, 4], Pool.Map(Tasks.Square, new[] { 1, 2 }));
    }
}

public sealed class PoolFailFastTests : PoolTest
{
    protected override PoolOptions Options => new() { FailFast = true };

    [Fact]
    public void FailFast_FirstFailureEndsTheCallAtOnce()
    {
        var started = DateTime.UtcNow;
        Assert.Throws<ArgumentException>(() => Pool.Map(x => x == 3 ? throw new ArgumentException("three is bad") : Tasks.Slow(x), Enumerable.Range(0, 2000), chunksize: 1));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "it did not wait for the 2000 slow items");
    }
}

public sealed class PoolInitializerTests : PoolTest
{
    protected override PoolOptions Options => new() { Initializer = (Action<int>)Tasks.Initialize, InitializerArguments = [41], MaxTasksPerChild = 5 };

    [Fact]
    public void Initializer_RunsInEachWorkerBeforeItsFirstTask()
    {
        Assert.All(Pool.Map(Tasks.ReadInitialized, Enumerable.Range(0, 10), chunksize: 1), v => Assert.Equal(41, v));
    }

    [Fact]
    public void MaxTasksPerChild_ReplacesWorkers_AndTheInitializerRunsInTheNewOnes()
    {
        List<int> pids = Pool.Map(Tasks.Pid, Enumerable.Range(0, 40), chunksize: 1);
        Assert.True(pids.Distinct().Count() > 2, $"only {pids.Distinct().Count()} distinct worker pids for 40 tasks with maxtasksperchild 5");
        Assert.All(Pool.Map(Tasks.ReadInitialized, Enumerable.Range(0, 10), chunksize: 1), v => Assert.Equal(41, v));
    }

    [Fact]
    public void MaxTasksPerChild_ClosedBeforeTheTasksFinish_JoinWaitsForAll()
    {
        // CPython's test_pool_worker_lifetime_early_close (issue #10332: join hung when workers had to be replaced after close).
        AsyncResult<int>[] results = [.. Enumerable.Range(0, 14).Select(i => Pool.ApplyAsync(Tasks.SleepMs, 100 + i))];
        Pool.Close();
        Assert.True(Pool.Join(TestTimes.Dilated(TimeSpan.FromSeconds(30))));
        Assert.Equal(Enumerable.Range(0, 14).Select(i => 100 + i), results.Select(r => r.Get(TimeSpan.Zero)));
    }
}
