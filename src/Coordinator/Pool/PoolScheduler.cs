using System.Globalization;
using Actors.Runtime.Lane;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Pooling;

/// <summary>
/// Feeds chunks to one task runner per worker, keeping <see cref="PoolOptions.ChunksInFlight"/> chunks
/// queued on each so no worker waits for a round trip. Idle workers pull work (a chunk is sent when a
/// slot frees up). When a worker dies, the chunk it was running is split into single items and run
/// again elsewhere up to <see cref="PoolOptions.MaxTaskRetries"/> times; a task over
/// <see cref="PoolOptions.TaskTimeout"/> fails with <see cref="TimeoutException"/> and its worker is replaced.
/// </summary>
internal sealed partial class PoolScheduler(Coordinator coordinator, PoolOptions options, string poolId, TaskFunction? initializer, ILogger logger)
{
    private readonly object _lock = new();
    private readonly Queue<Chunk> _retries = new();
    private readonly Queue<Chunk> _suspects = new();
    private readonly List<PoolJob> _jobs = [];
    private Slot[] _slots = [];
    private int _chunkCounter;
    private volatile bool _terminated;

    private sealed class Slot(int worker)
    {
        public int Worker => worker;

        /// <summary>The lane to the worker process that runs this slot's runner; null while it has none.</summary>
        public LaneConnection? Runner { get; set; }

        public int Pid { get; set; }

        public List<Chunk> InFlight { get; } = [];

        /// <summary>The ask of each chunk in flight: one whose reply has already arrived was not lost with the worker.</summary>
        public Dictionary<Chunk, Task<ChunkResult>> Asks { get; } = [];

        public bool Recycling { get; set; }

        public bool Reviving { get; set; }
    }

    public int Size => _slots.Length;

    public async Task StartAsync(int processes, CancellationToken cancellationToken)
    {
        _slots = [.. Enumerable.Range(0, processes).Select(i => new Slot(i))];
        await Task.WhenAll(_slots.Select(s => SpawnRunnerAsync(s, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Starts the pool's runner in the slot's worker process, over its lane.</summary>
    private async Task SpawnRunnerAsync(Slot slot, CancellationToken cancellationToken)
    {
        LaneConnection lane = coordinator.LaneOf(slot.Worker)
            ?? throw new NodeLostException(coordinator.Workers[slot.Worker].Name, $"{coordinator.Workers[slot.Worker].Name} is not running.");
        var start = new StartLaneActor(poolId, typeof(TaskRunner).FullName!, typeof(TaskRunner).Assembly.GetName().Name!,
            [initializer, options.InitializerArguments.ToArray(), options.MaxTasksPerChild ?? 0], TaskRunner.Dispatcher);
        await lane.AskAsync<bool>(start, Coordinator.DefaultSpawnTimeout, poolId).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            slot.Runner = lane;
            slot.Pid = lane.Peer.Pid;
            slot.Recycling = false;
        }
    }

    public void Submit(PoolJob job)
    {
        lock (_lock)
        {
            _jobs.Add(job);
        }
        job.CancellationToken.Register(() => Cancel(job, new OperationCanceledException("The pool call was cancelled.", job.CancellationToken)));
        Pump();
    }

    /// <summary>Lets lazy calls read past their window while the pool is joined (see <see cref="PoolJob.OpenWindow"/>).</summary>
    public void OpenWindows(bool open)
    {
        lock (_lock)
        {
            _jobs.ForEach(job => job.OpenWindow(open));
        }
        Pump();
    }

    public bool HasWork
    {
        get
        {
            lock (_lock)
            {
                return _jobs.Count > 0;
            }
        }
    }

    /// <summary>
    /// Sends what is ready to the slots with room, and reads more input while some slot has room. Called on
    /// submission, after each reply, and by consumers as they take results (room in a job's window).
    /// </summary>
    public void Pump()
    {
        while (true)
        {
            PoolJob[] hungry;
            lock (_lock)
            {
                _jobs.RemoveAll(Ended);
                SendReady();
                if (!Array.Exists(_slots, HasRoom))
                {
                    return;
                }
                hungry = [.. _jobs.Where(j => j.Ready.Count == 0 && j.CanTake)];
            }
            // The input is read outside the lock: a slow source then holds up only its own next chunk, never the
            // results already coming back, nor other calls. An input of unknown length is read in the background.
            foreach (PoolJob job in hungry.Where(j => j.ReadInBackground))
            {
                Feed(job);
            }
            if (!ReadInput([.. hungry.Where(j => !j.ReadInBackground)]))
            {
                return;
            }
        }
    }

    private void SendReady()
    {
        // Sending under the lock keeps each slot's wire order equal to its InFlight order, which is how
        // the chunk a dead worker was running is told apart from the ones queued behind it. A send only
        // serializes and queues the message; it never waits. Round robin, one chunk per slot per round,
        // so idle workers pull work evenly.
        bool sent = true;
        while (sent)
        {
            sent = false;
            foreach (Slot slot in _slots.OrderBy(s => s.InFlight.Count))
            {
                if (HasRoom(slot) && NextChunk(allowSuspect: slot.InFlight.Count == 0) is { } chunk)
                {
                    slot.InFlight.Add(chunk);
                    Send(slot, slot.Runner!, chunk);
                    sent = true;
                }
            }
        }
    }

    /// <summary>
    /// Whether a slot takes another chunk. A suspect (a single item that was in flight when a worker died) runs
    /// alone on its worker, so a further death points at exactly that item; a worker's last reply may die with it.
    /// </summary>
    private bool HasRoom(Slot slot) =>
        slot.Runner is not null && !slot.Recycling && slot.InFlight.Count < Depth(slot) && !slot.InFlight.Exists(c => c.Attempts > 0);

    /// <summary>Reads a job's input on a thread-pool thread while some slot has room, unless that is under way already.</summary>
    private void Feed(PoolJob job)
    {
        if (!job.TryStartFeeding())
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                bool more = true;
                while (more && ReadInput([job]))
                {
                    lock (_lock)
                    {
                        SendReady();
                        more = Array.Exists(_slots, HasRoom) && job.Ready.Count == 0;
                    }
                }
            }
            finally
            {
                job.EndFeeding();
            }
            Pump(); // room may have come while this feeder was finishing
        });
    }

    /// <summary>Reads one chunk from the first of <paramref name="jobs"/> that no other thread is reading; false if none could give one.</summary>
    private bool ReadInput(PoolJob[] jobs)
    {
        foreach (PoolJob job in jobs)
        {
            if (!Monitor.TryEnter(job.InputLock))
            {
                continue; // another thread is reading it (perhaps waiting on a slow source)
            }
            try
            {
                if (job.CanTake && job.TakeChunk(Interlocked.Increment(ref _chunkCounter), ChunkSizing.ItemsFor(job, options, Size)) is { } chunk)
                {
                    lock (_lock)
                    {
                        job.Ready.Enqueue(chunk);
                    }
                    return true;
                }
            }
            finally
            {
                Monitor.Exit(job.InputLock);
            }
        }
        return false;
    }

    /// <summary>Whether a job is over; the workers of a job that handed its tasks tokens are told to forget it.</summary>
    private bool Ended(PoolJob job)
    {
        if (job.Stopped is null && !(job.InputDone && job.Completed + job.Failed >= job.Taken))
        {
            return false;
        }
        if (job.Cancellable)
        {
            foreach (Slot slot in _slots)
            {
                slot.Runner?.Tell(new ForgetJob(poolId, job.Id), poolId);
            }
        }
        return true;
    }

    /// <summary>
    /// Chunks a slot may hold: <see cref="PoolOptions.ChunksInFlight"/>, four times that while it runs
    /// single-item chunks: a tiny task takes far less than a round trip, so more must be queued to keep
    /// the worker busy, and single items cannot unbalance the workers.
    /// </summary>
    /// <remarks>With a <see cref="PoolOptions.TaskTimeout"/> a slot holds one chunk, so the clock, which starts
    /// when the chunk is sent, measures the task and not its wait behind others.</remarks>
    private int Depth(Slot slot) => options.TaskTimeout is not null ? 1
        : slot.InFlight.Count > 0 && slot.InFlight.TrueForAll(c => c.Items.Length == 1) ? options.ChunksInFlight * 4
        : options.ChunksInFlight;

    private Chunk? NextChunk(bool allowSuspect)
    {
        while (allowSuspect && _suspects.TryDequeue(out Chunk? suspect))
        {
            if (suspect.Job.Stopped is null)
            {
                return suspect;
            }
        }
        while (_retries.TryDequeue(out Chunk? retry))
        {
            if (retry.Job.Stopped is null)
            {
                return retry;
            }
        }
        foreach (PoolJob job in _jobs)
        {
            if (job.Stopped is null && job.Ready.TryDequeue(out Chunk? chunk))
            {
                return chunk;
            }
        }
        return null;
    }

    private void Send(Slot slot, LaneConnection runner, Chunk chunk)
    {
        TimeSpan timeout = options.TaskTimeout is { } perTask ? perTask * chunk.Items.Length : Timeout.InfiniteTimeSpan;
        Task<ChunkResult> ask;
        try
        {
            ask = runner.AskAsync<ChunkResult>(new RunChunk(poolId, chunk.Job.Id, chunk.Index, chunk.Job.Function, chunk.Items, chunk.Job.Cancellable,
                chunk.Job.Chunksize, ChunkSizing.GiveBackAfterMicroseconds(chunk)), timeout, poolId);
        }
        catch (Exception ex) when (ex is PayloadSerializationException or MessageTooLargeException)
        {
            // These items cannot travel; they fail alone.
            lock (_lock)
            {
                slot.InFlight.Remove(chunk);
                slot.Asks.Remove(chunk);
            }
            chunk.Job.FailItems(chunk, _ => ex);
            Pump();
            return;
        }
        lock (_lock)
        {
            slot.Asks[chunk] = ask;
        }
        // Inline on the thread that completes the ask, except when it completed at once (we hold the lock here).
        ask.ContinueWith(t => OnChunkDone(slot, runner, chunk, t), CancellationToken.None,
            ask.IsCompleted ? TaskContinuationOptions.RunContinuationsAsynchronously : TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnChunkDone(Slot slot, LaneConnection runner, Chunk chunk, Task<ChunkResult> outcome)
    {
        if (outcome.IsCompletedSuccessfully)
        {
            ChunkResult result = outcome.Result;
            bool recycleNow;
            lock (_lock)
            {
                slot.InFlight.Remove(chunk);
                slot.Asks.Remove(chunk);
                slot.Recycling |= result.Recycle;
                recycleNow = slot.Recycling && slot.InFlight.Count == 0 && slot.Runner == runner;
                if (recycleNow)
                {
                    slot.Runner = null;
                }
            }
            chunk.Job.ObserveRunTime(result.Ran, result.RunMicroseconds);
            if (result.Ran < chunk.Items.Length)
            {
                Requeue(chunk.Rest(result.Ran, chunk.Job.Chunksize)); // given back unstarted: they run next, as the call chunked them
            }
            chunk.Job.Complete(chunk, result.Ran, (Array)result.Results, result.FailedOffsets, result.Failures);
            if (recycleNow)
            {
                coordinator.RecycleWorker(slot.Worker);
                Revive(slot);
            }
        }
        else
        {
            Exception error = outcome.Exception?.InnerException ?? new InvalidOperationException("The chunk failed.");
            switch (error)
            {
                case NodeLostException:
                    OnWorkerLost(slot, runner, error);
                    break;
                case TimeoutException:
                    OnTimeout(slot, runner, chunk);
                    break;
                default:
                    lock (_lock)
                    {
                        slot.InFlight.Remove(chunk);
                        slot.Asks.Remove(chunk);
                    }
                    chunk.Job.FailItems(chunk, _ => error);
                    break;
            }
        }
        Pump();
    }

    public void Cancel(PoolJob job, Exception reason)
    {
        job.Stop(reason);
        if (job.Cancellable)
        {
            foreach (Slot slot in _slots)
            {
                slot.Runner?.Tell(new CancelJob(poolId, job.Id));
            }
        }
        Pump();
    }

    public void StopAll(Exception reason)
    {
        PoolJob[] jobs;
        lock (_lock)
        {
            jobs = [.. _jobs];
        }
        foreach (PoolJob job in jobs)
        {
            Cancel(job, reason);
        }
    }

    public void Terminate()
    {
        _terminated = true;
        StopAll(new InvalidOperationException("Pool not running: it was terminated while this call was in progress."));
        foreach (Slot slot in _slots)
        {
            slot.Runner?.Tell(new StopLaneActor(poolId), poolId);
        }
    }
}
