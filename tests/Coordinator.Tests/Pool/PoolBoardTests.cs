using Actors.TestSupport;
using Actors.Runtime.SharedMemory;

namespace Actors.Tests.Coordination.Pool;

/// <summary>
/// Eager maps of 16 items or more on local workers go on a shared-memory task board whose pieces the workers claim
/// themselves (TaskBoard). The other pool tests run their larger maps that way too; these check what is the board's own.
/// </summary>
public sealed class PoolBoardTests : PoolTest
{
    [Fact]
    public void Map_OnABoard_EveryResultInOrder_AndItsSegmentIsRemovedWithThePool()
    {
        string[] before = Boards();
        AsyncResult<List<long>> map = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 60));
        string[] made = [];
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); made.Length == 0 && watch.Elapsed < TestTimes.Dilated(); Thread.Sleep(5))
        {
            made = [.. Boards().Except(before)];
        }
        Assert.NotEmpty(made); // the map went on a board, a file in the session's directory
        Assert.Equal(Enumerable.Range(0, 60).Select(x => (long)x), map.Get(TestTimes.Dilated()));
        Assert.Equal(Enumerable.Range(0, 500).Select(x => x * x), Pool.Map(Tasks.Square, Enumerable.Range(0, 500).ToArray())); // the segment is reused
        Pool.Dispose();
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); made.Any(File.Exists) && watch.Elapsed < TestTimes.Dilated(); Thread.Sleep(10))
        {
        }
        Assert.DoesNotContain(made, File.Exists);
    }

    [Fact]
    public void PoisonItem_OnABoard_FailsAlone_TheOtherPiecesOfItsWorkerRunElsewhere()
    {
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(Tasks.KillSelfOn3, Enumerable.Range(0, 40), chunksize: 2));
        Assert.Equal(3, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Equal(9, ex.Signal);
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), Pool.Map(Tasks.Square, Enumerable.Range(0, 40)));
    }

    [Fact]
    public void ItemThatCannotTravel_OnABoard_FailsWithItsPiece_NamedByIndex()
    {
        object[] items = [.. Enumerable.Range(0, 40).Select(i => i == 17 ? new MemoryStream() : (object)i)];
        var ex = Assert.Throws<PayloadSerializationException>(() => Pool.Map(TakesObject, items, chunksize: 1));
        Assert.Contains("Item 17", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), Pool.Map(Tasks.Square, Enumerable.Range(0, 40)));
    }

    [Fact]
    public void ABoardOutsideTheSessionDirectory_IsRefusedByTheWorker()
    {
        Assert.Throws<InvalidDataException>(() => Actors.Coordination.Pooling.TaskBoard.View.Map("/etc/passwd"));
        Assert.Throws<InvalidDataException>(() => Actors.Coordination.Pooling.TaskBoard.View.Map(Session.Directory + "/../board-x"));
    }

    private static int TakesObject(object value) => value.GetHashCode();

    private static string[] Boards() => [.. Directory.EnumerateFiles(Session.Directory, "board-*")];
}

/// <summary>A pool with one worker per core binds each worker's task thread to a core of its own (PoolOptions.PinWorkers).</summary>
public sealed class PoolPinningTests : PoolTest
{
    protected override PoolOptions Options => new() { PinWorkers = true };

    [Fact]
    public void PinWorkers_EachTaskThreadOnACoreOfItsOwn()
    {
        int[] pids = [.. Pool.Map(Tasks.Pid, Enumerable.Range(0, 40), chunksize: 1).Distinct()];
        Assert.Equal(2, pids.Length);
        string[] cores = [.. pids.Select(RunnerCores)];
        Assert.All(cores, c => Assert.Matches("^[0-9]+$", c)); // one core each
        Assert.Equal(Math.Min(2, Environment.ProcessorCount), cores.Distinct().Count());
    }

    /// <summary>The cores the pool's task thread in process <paramref name="pid"/> may run on (Cpus_allowed_list).</summary>
    internal static string RunnerCores(int pid)
    {
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith("actors.runner", StringComparison.Ordinal))
            {
                return File.ReadAllLines(Path.Combine(task, "status")).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();
            }
        }
        throw new InvalidOperationException($"no task thread in process {pid}");
    }
}

/// <summary>With PinWorkers false, the task threads run wherever the kernel puts them.</summary>
public sealed class PoolUnpinnedTests : PoolTest
{
    protected override PoolOptions Options => new() { PinWorkers = false };

    [Fact]
    public void PinWorkersFalse_TaskThreadsMayRunOnEveryCore()
    {
        int[] pids = [.. Pool.Map(Tasks.Pid, Enumerable.Range(0, 40), chunksize: 1).Distinct()];
        string all = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();
        Assert.All(pids, pid => Assert.Equal(all, PoolPinningTests.RunnerCores(pid)));
    }
}
