using Actors.Runtime.Tasks;
using Actors.Coordination.Pooling;

namespace Actors.Tests.Coordination.Pool;

public sealed class ChunkSizingTests
{
    private static readonly PoolOptions Defaults = new();

    private static PoolJob<int> Job(int total, int chunksize, bool given, int window = int.MaxValue, double? microsecondsPerItem = null)
    {
        var job = new PoolJob<int>(1, new TaskFunction("T", 1, null), false, new int[total], chunksize, given, window, false, null, CancellationToken.None);
        if (microsecondsPerItem is { } perItem)
        {
            job.ObserveRunTime(100, perItem * 100);
        }
        return job;
    }

    [Fact]
    public void UntilTheFirstResults_OrUnderPerChunkLimits_TheCallsOwnChunkSize()
    {
        Assert.Null(ChunkSizing.ItemsFor(Job(100_000, 1, given: true), Defaults, workers: 2));
        PoolJob<int> fast = Job(100_000, 1, given: true, microsecondsPerItem: 0.1);
        Assert.Null(ChunkSizing.ItemsFor(fast, Defaults with { TaskTimeout = TimeSpan.FromSeconds(1) }, workers: 2));
        Assert.Null(ChunkSizing.ItemsFor(fast, Defaults with { MaxTasksPerChild = 10 }, workers: 2));
    }

    [Fact]
    public void TinyTasks_ManyChunksToAMessage_WholeChunksOnly_SlowTasksAlone()
    {
        Assert.Equal(1024, ChunkSizing.ItemsFor(Job(100_000, 1, given: true, microsecondsPerItem: 0.1), Defaults, workers: 2));
        Assert.Equal(146 * 7, ChunkSizing.ItemsFor(Job(100_000, 7, given: true, microsecondsPerItem: 0.1), Defaults, workers: 2));
        Assert.Equal(1, ChunkSizing.ItemsFor(Job(100_000, 1, given: true, microsecondsPerItem: 10_000), Defaults, workers: 2));
    }

    [Fact]
    public void LazyCalls_StayWithinTheReadAheadWindow()
    {
        PoolJob<int> job = Job(100_000, 1, given: true, window: 1024, microsecondsPerItem: 0.1);
        Assert.Equal(1024 / (2 * 2 * 2), ChunkSizing.ItemsFor(job, Defaults, workers: 2)); // each worker's share
        job.TakeChunk(0, 1000); // nothing consumed yet: 24 items of room left
        Assert.Equal(24, ChunkSizing.ItemsFor(job, Defaults, workers: 2));
    }

    [Fact]
    public void TheEnd_Tapers_NotBelowAMillisecondOfWork_UnlessAWorkerWouldGetNothing()
    {
        PoolJob<int> job = Job(2000, 250, given: false, microsecondsPerItem: 17);
        Assert.Equal(250, ChunkSizing.ItemsFor(job, Defaults, workers: 2));
        job.TakeChunk(0, 1500);
        Assert.Equal(125, ChunkSizing.ItemsFor(job, Defaults, workers: 2)); // half of what is left per worker
        job.TakeChunk(1, 390);
        Assert.Equal(55, ChunkSizing.ItemsFor(job, Defaults, workers: 2)); // 110 left: the 1 ms floor (58) yields to a share each
    }

    [Fact]
    public void AGivenChunkSize_IsNeverCut()
    {
        PoolJob<int> job = Job(2000, 250, given: true, microsecondsPerItem: 17);
        job.TakeChunk(0, 1900);
        Assert.Equal(250, ChunkSizing.ItemsFor(job, Defaults, workers: 2));
    }

    [Fact]
    public void OnlyAMessageOfSeveralChunks_MayBeGivenBack()
    {
        PoolJob<int> job = Job(100_000, 1, given: true, microsecondsPerItem: 0.1);
        Assert.Equal(0, ChunkSizing.GiveBackAfterMicroseconds(new Chunk(job, 0, 0, new int[1])));
        Assert.Equal(4000, ChunkSizing.GiveBackAfterMicroseconds(new Chunk(job, 0, 0, new int[1000]))); // the 4 ms floor
        PoolJob<int> slower = Job(100_000, 1, given: true, microsecondsPerItem: 20);
        Assert.Equal(4 * 50 * 20, ChunkSizing.GiveBackAfterMicroseconds(new Chunk(slower, 0, 0, new int[50])));
    }
}
