using Actors.TestSupport;
using Actors.Runtime.SharedMemory;

namespace Actors.Tests.Coordination.Pool;

/// <summary>
/// Eager maps of 16 items or more of a task whose last call took 5 µs an item or more go on a shared-memory task board
/// whose pieces the workers claim themselves (TaskBoard), when every worker is local. A task's first call goes as chunks
/// (its cost is not known yet): each test here calls its task once before the call it checks.
/// </summary>
public sealed class PoolBoardTests : PoolTest
{
    [Fact]
    public void Map_OnABoard_EveryResultInOrder_AndItsSegmentIsRemovedWithThePool()
    {
        Pool.Map(Tasks.Slow, Enumerable.Range(0, 16)); // now known to be slow
        string[] before = Boards();
        AsyncResult<List<long>> map = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 60));
        string[] made = [];
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); made.Length == 0 && watch.Elapsed < TestTimes.Dilated(); Thread.Sleep(5))
        {
            made = [.. Boards().Except(before)];
        }
        Assert.NotEmpty(made); // the map went on a board, a file in the session's directory
        Assert.Equal(Enumerable.Range(0, 60).Select(x => (long)x), map.Get(TestTimes.Dilated()));
        Assert.Equal(Enumerable.Range(0, 30).Select(x => (long)x), Pool.Map(Tasks.Slow, Enumerable.Range(0, 30).ToArray())); // the segment is reused
        Pool.Dispose();
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); made.Any(File.Exists) && watch.Elapsed < TestTimes.Dilated(); Thread.Sleep(10))
        {
        }
        Assert.DoesNotContain(made, File.Exists);
    }

    [Fact]
    public void PoisonItem_OnABoard_FailsAlone_TheOtherPiecesOfItsWorkerRunElsewhere()
    {
        Pool.Map(SlowKillSelfOn3, Enumerable.Range(4, 16));
        var ex = Assert.Throws<WorkerLostException>(() => Pool.Map(SlowKillSelfOn3, Enumerable.Range(0, 40)));
        Assert.Equal(3, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Equal(9, ex.Signal);
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), Pool.Map(Tasks.Square, Enumerable.Range(0, 40)));
    }

    [Fact]
    public void ItemThatCannotTravel_OnABoard_FailsAsOnChunks_NamedByIndex()
    {
        Pool.Map(TakesObject, Enumerable.Range(0, 16).Select(i => (object)i).ToArray());
        object[] items = [.. Enumerable.Range(0, 40).Select(i => i == 17 ? new MemoryStream() : (object)i)];
        var ex = Assert.Throws<PayloadSerializationException>(() => Pool.Map(TakesObject, items));
        Assert.Contains("Item 17", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 40).Select(x => x * x), Pool.Map(Tasks.Square, Enumerable.Range(0, 40)));
    }

    [Fact]
    public void ABoardOutsideTheSessionDirectory_IsRefusedByTheWorker()
    {
        Assert.Throws<InvalidDataException>(() => Actors.Coordination.Pooling.TaskBoard.View.Map("/etc/passwd"));
        Assert.Throws<InvalidDataException>(() => Actors.Coordination.Pooling.TaskBoard.View.Map(Session.Directory + "/../board-x"));
    }

    private static int TakesObject(object value)
    {
        Thread.Sleep(1);
        return value.GetHashCode();
    }

    private static int SlowKillSelfOn3(int x)
    {
        Thread.Sleep(1);
        return Tasks.KillSelfOn3(x);
    }

    private static string[] Boards() => [.. Directory.EnumerateFiles(Session.Directory, "board-*")];
}

/// <summary>A pool with PinWorkers binds each worker's task thread to a core of its own while it runs a board's pieces.</summary>
public sealed class PoolPinningTests : PoolTest
{
    protected override PoolOptions Options => new() { PinWorkers = true };

    [Fact]
    public void PinWorkers_BoardPiecesRunOnACoreOfEachWorkersOwn_ChunksAnywhere()
    {
        string all = AllowedCores();
        (int Pid, string Cores)[] asChunks = [.. Pool.Map(PidAndCores, Enumerable.Range(0, 40))]; // first call: chunks
        Assert.All(asChunks, r => Assert.Equal(all, r.Cores));
        (int Pid, string Cores)[] onBoard = [.. Pool.Map(PidAndCores, Enumerable.Range(0, 40)).Distinct()];
        Assert.All(onBoard, r => Assert.Matches("^[0-9]+$", r.Cores)); // one core each
        Assert.Equal(onBoard.Length, onBoard.DistinctBy(r => r.Pid).Count()); // each worker always on the same one
        Assert.Equal(Math.Min(2, Environment.ProcessorCount), onBoard.Select(r => r.Cores).Distinct().Count());
        Assert.Equal(all, Pool.Apply(PidAndCores, 0).Cores); // free again after the board
    }

    /// <summary>The calling process's pid and the cores its calling thread may run on (Cpus_allowed_list), after 1 ms.</summary>
    internal static (int Pid, string Cores) PidAndCores(int _)
    {
        Thread.Sleep(1);
        return (Environment.ProcessId, AllowedCores());
    }

    internal static string AllowedCores() =>
        File.ReadAllLines("/proc/thread-self/status").Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();
}

/// <summary>With PinWorkers false, the task threads run wherever the kernel puts them, on a board too.</summary>
public sealed class PoolUnpinnedTests : PoolTest
{
    protected override PoolOptions Options => new() { PinWorkers = false };

    [Fact]
    public void PinWorkersFalse_BoardPiecesMayRunOnEveryCore()
    {
        string all = PoolPinningTests.AllowedCores();
        Pool.Map(PoolPinningTests.PidAndCores, Enumerable.Range(0, 40));
        Assert.All(Pool.Map(PoolPinningTests.PidAndCores, Enumerable.Range(0, 40)), r => Assert.Equal(all, r.Cores));
    }
}
