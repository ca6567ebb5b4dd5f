namespace Actors.Coordination.Pooling;

/// <summary>
/// How many items each message of a job carries. Until a job's first results tell how long its tasks take, and
/// for calls whose limits count per chunk, that is the call's own chunk size; then tiny tasks go many to a
/// message, and the end of an input of known length is spread evenly over the workers.
/// </summary>
internal static class ChunkSizing
{
    /// <summary>
    /// How many items the next message of a job carries, once its first results have told how long a task takes
    /// (until then, and with a task timeout or a task limit per worker, which count per chunk: the call's chunk size).
    /// <list type="bullet">
    /// <item>Tiny tasks: as many chunks as make about <see cref="MergeTarget"/> of work, so a task does not pay a
    /// message of its own. Items still fail, retry and come back one by one; only the grouping on the wire changes.
    /// An input of unknown length (a generator) is read that many items at a time, its chunks handed over one by one
    /// as they are read, and those waiting together sent as one message (see <c>PoolSchedulerActor.Feed</c>).</item>
    /// <item>The end of an input of known length: at most half of what is left per worker, so the workers finish
    /// together instead of one running its last big chunk while the others idle; never below the call's own chunk
    /// size, nor below <see cref="MinChunkWork"/> of work unless that would leave a worker with nothing.</item>
    /// </list>
    /// </summary>
    public static int? ItemsFor(PoolJob job, PoolOptions options, int workers)
    {
        double perItem = Math.Max(job.MicrosecondsPerItem, 0.01);
        if (double.IsNaN(perItem) || options.TaskTimeout is not null || options.MaxTasksPerChild is not null)
        {
            return null;
        }
        int size = job.Chunksize;
        // A lazy call's window is shared by every worker's chunks in flight: each gets its part of it.
        int cap = job.Window == int.MaxValue ? MaxMergedItems : Math.Clamp(job.Window / (workers * options.ChunksInFlight * 2), 1, MaxMergedItems);
        int merged = (int)Math.Min(cap, MergeTarget.TotalMicroseconds / perItem) / size * size;
        if (merged >= 2 * size)
        {
            size = Math.Max(size, Math.Min(merged, job.Room)); // merging never reads past the window
        }
        if (job.Total is { } total)
        {
            int left = total - job.Taken;
            int least = job.ChunksizeGiven ? job.Chunksize : 1;
            int worthSending = (int)Math.Min(MinChunkWork.TotalMicroseconds / perItem, size);
            int perWorker = (left + workers - 1) / workers; // a chunk worth sending, unless it would leave a worker without any
            int half = (left + (2 * workers) - 1) / (2 * workers);
            size = Math.Clamp(half, Math.Min(Math.Max(least, Math.Min(worthSending, perWorker)), size), size);
        }
        return size;
    }

    /// <summary>The work one merged message aims at (see <see cref="ItemsFor"/>).</summary>
    private static readonly TimeSpan MergeTarget = TimeSpan.FromMilliseconds(1);

    /// <summary>The least work a chunk is cut down to at the end of an input (see <see cref="ItemsFor"/>).</summary>
    private static readonly TimeSpan MinChunkWork = TimeSpan.FromMilliseconds(1);

    private const int MaxMergedItems = 1024;

    /// <summary>A message of several chunks is given back in part no sooner than this, nor before four times the work it was expected to hold (see <see cref="GiveBackAfterMicroseconds"/>).</summary>
    private static readonly TimeSpan GiveBackFloor = TimeSpan.FromMilliseconds(4);

    /// <summary>
    /// When a worker may give back the unstarted part of a message of several chunks (see <see cref="RunChunk"/>):
    /// past <see cref="GiveBackFloor"/> and four times the work it was expected to hold. 0 (never) for a single chunk.
    /// </summary>
    public static double GiveBackAfterMicroseconds(Chunk chunk) =>
        chunk.Items.Length > chunk.Job.Chunksize && !double.IsNaN(chunk.Job.MicrosecondsPerItem)
            ? Math.Max(GiveBackFloor.TotalMicroseconds, 4 * chunk.Items.Length * chunk.Job.MicrosecondsPerItem) : 0;
}
