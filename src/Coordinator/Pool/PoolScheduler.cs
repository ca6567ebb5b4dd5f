using System.Globalization;
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

        public ActorRef? Runner { get; set; }

        public ActorRef? Canceller { get; set; }

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

    private async Task SpawnRunnerAsync(Slot slot, CancellationToken cancellationToken)
    {
        int pid = coordinator.Workers[slot.Worker].Pid;
        ActorRef runner = await coordinator.SpawnAsync<TaskRunner>(null, slot.Worker,
            poolId, initializer, options.InitializerArguments.ToArray(), options.MaxTasksPerChild ?? 0).WaitAsync(cancellationToken).ConfigureAwait(false);
        ActorRef canceller = await coordinator.SpawnAsync<TaskCanceller>(null, slot.Worker).WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            slot.Runner = runner;
            slot.Canceller = canceller;
            slot.Pid = pid;
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

    /// <summary>Called by consumers as they take results: room in a job's window may let more chunks go.</summary>
    public void Pump()
    {
        // Sending under the lock keeps each slot's wire order equal to its InFlight order, which is how
        // the chunk a dead worker was running is told apart from the ones queued behind it. A send only
        // serializes and queues the message; it never waits.
        lock (_lock)
        {
            _jobs.RemoveAll(Ended);
            // Round robin, one chunk per slot per round, so idle workers pull work evenly.
            bool sent = true;
            while (sent)
            {
                sent = false;
                foreach (Slot slot in _slots.OrderBy(s => s.InFlight.Count))
                {
                    // A suspect (a single item that was in flight when a worker died) runs alone on its worker, so
                    // a further death points at exactly that item; a worker's last reply may die with it.
                    if (slot.Runner is { } runner && !slot.Recycling && slot.InFlight.Count < Depth(slot)
                        && !slot.InFlight.Exists(c => c.Attempts > 0) && NextChunk(allowSuspect: slot.InFlight.Count == 0) is { } chunk)
                    {
                        slot.InFlight.Add(chunk);
                        Send(slot, runner, chunk);
                        sent = true;
                    }
                }
            }
        }
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
                slot.Runner?.Tell(new ForgetJob(job.Id));
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
            if (job.CanTake && job.TakeChunk(Interlocked.Increment(ref _chunkCounter), ChunkItems(job)) is { } chunk)
            {
                return chunk;
            }
        }
        return null;
    }

    /// <summary>
    /// How many items the next message of a job carries, once its first results have told how long a task takes
    /// (until then, and with a task timeout or a task limit per worker, which count per chunk: the call's chunk size).
    /// <list type="bullet">
    /// <item>Tiny tasks: as many chunks as make about <see cref="MergeTarget"/> of work, so a task does not pay a
    /// message of its own. Items still fail, retry and come back one by one; only the grouping on the wire changes.</item>
    /// <item>The end of an input of known length: at most half of what is left per worker, so the workers finish
    /// together instead of one running its last big chunk while the others idle; never below the call's own chunk
    /// size, nor below <see cref="MinChunkWork"/> of work unless that would leave a worker with nothing.</item>
    /// </list>
    /// </summary>
    private int? ChunkItems(PoolJob job)
    {
        double perItem = Math.Max(job.MicrosecondsPerItem, 0.01);
        if (double.IsNaN(perItem) || options.TaskTimeout is not null || options.MaxTasksPerChild is not null)
        {
            return null;
        }
        int size = job.Chunksize;
        // A lazy call's window is shared by every worker's chunks in flight: each gets its part of it.
        int cap = job.Window == int.MaxValue ? MaxMergedItems : Math.Clamp(job.Window / (Size * options.ChunksInFlight * 2), 1, MaxMergedItems);
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
            int perWorker = (left + Size - 1) / Size; // a chunk worth sending, unless it would leave a worker without any
            int half = (left + (2 * Size) - 1) / (2 * Size);
            size = Math.Clamp(half, Math.Min(Math.Max(least, Math.Min(worthSending, perWorker)), size), size);
        }
        return size;
    }

    /// <summary>The work one merged message aims at (see <see cref="ChunkItems"/>).</summary>
    private static readonly TimeSpan MergeTarget = TimeSpan.FromMilliseconds(1);

    /// <summary>The least work a chunk is cut down to at the end of an input (see <see cref="ChunkItems"/>).</summary>
    private static readonly TimeSpan MinChunkWork = TimeSpan.FromMilliseconds(1);

    private const int MaxMergedItems = 1024;

    /// <summary>A message of several chunks is given back in part no sooner than this, nor before four times the work it was expected to hold (see <see cref="RunChunk"/>).</summary>
    private static readonly TimeSpan GiveBackFloor = TimeSpan.FromMilliseconds(4);

    private void Send(Slot slot, ActorRef runner, Chunk chunk)
    {
        TimeSpan timeout = options.TaskTimeout is { } perTask ? perTask * chunk.Items.Length : Timeout.InfiniteTimeSpan;
        Task<ChunkResult> ask;
        try
        {
            // A message of several chunks may be given back in part, once it has run well past what it was expected to take.
            double giveBack = chunk.Items.Length > chunk.Job.Chunksize && !double.IsNaN(chunk.Job.MicrosecondsPerItem)
                ? Math.Max(GiveBackFloor.TotalMicroseconds, 4 * chunk.Items.Length * chunk.Job.MicrosecondsPerItem) : 0;
            ask = runner.AskAsync<ChunkResult>(new RunChunk(chunk.Job.Id, chunk.Index, chunk.Job.Function, chunk.Items, chunk.Job.Cancellable, chunk.Job.Chunksize, giveBack), timeout);
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

    private void OnChunkDone(Slot slot, ActorRef runner, Chunk chunk, Task<ChunkResult> outcome)
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
                case NodeLostException or ActorTerminatedException:
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

    private void OnWorkerLost(Slot slot, ActorRef runner, Exception error)
    {
        Chunk[] inFlight;
        Task[] asks;
        int pid;
        lock (_lock)
        {
            if (slot.Runner != runner)
            {
                return; // handled already, through another chunk of the same worker
            }
            slot.Runner = null;
            pid = slot.Pid;
            inFlight = [.. slot.InFlight];
            asks = [.. inFlight.Select(c => (Task)slot.Asks[c])];
        }
        // Losing the node fails every ask still waiting at once; replies read before the end of the
        // stream complete theirs. Once all have settled, the first failed chunk is the one that was running.
        Task.WhenAll(asks).ContinueWith(_ => OnWorkerLostSettled(slot, inFlight, pid, error), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private void OnWorkerLostSettled(Slot slot, Chunk[] inFlight, int pid, Exception error)
    {
        List<Chunk> held;
        lock (_lock)
        {
            held = [.. inFlight.Where(c => slot.Asks.TryGetValue(c, out Task<ChunkResult>? t) && !t.IsCompletedSuccessfully)];
            slot.InFlight.RemoveAll(held.Contains);
            foreach (Chunk lost in held)
            {
                slot.Asks.Remove(lost);
            }
        }
        string worker = coordinator.Workers[slot.Worker].Name;
        LogWorkerLost(logger, worker, pid, held.Count);
        // The worker may have died before sending the reply of a chunk it had finished, so every
        // unanswered chunk counts an attempt; as isolated singles, only the real culprit keeps counting.
        string where = held.Count == 1 ? "was running" : "was running or queued";
        foreach (Chunk chunk in held)
        {
            chunk.Attempts++;
            if (chunk.Attempts > options.MaxTaskRetries)
            {
                string how = WaitForExit(slot.Worker, pid);
                chunk.Job.FailItems(chunk, index => new WorkerLostException(
                    $"Item {index} {where} on {worker} (pid {pid}) when it died ({how}); it was tried {chunk.Attempts} time(s), the retry limit is {options.MaxTaskRetries}. {error.Message}", pid, how));
            }
            else
            {
                lock (_lock)
                {
                    foreach (Chunk single in chunk.Items.Length > 1 ? chunk.Singles() : [chunk])
                    {
                        _suspects.Enqueue(single);
                    }
                }
            }
        }
        Revive(slot);
        Pump();
    }

    private void OnTimeout(Slot slot, ActorRef runner, Chunk timedOut)
    {
        List<Chunk> held;
        lock (_lock)
        {
            if (slot.Runner != runner || !slot.InFlight.Contains(timedOut))
            {
                return;
            }
            slot.Runner = null;
            held = [.. slot.InFlight.Where(c => !(slot.Asks.TryGetValue(c, out Task<ChunkResult>? t) && t.IsCompletedSuccessfully))];
            slot.InFlight.RemoveAll(held.Contains);
            foreach (Chunk lost in held)
            {
                slot.Asks.Remove(lost);
            }
        }
        WorkerInfo info = coordinator.Workers[slot.Worker];
        coordinator.RecycleWorker(slot.Worker); // the stuck task holds that worker; replace it
        foreach (Chunk chunk in held)
        {
            if (chunk != held[0])
            {
                Requeue([chunk]);
            }
            else if (chunk.Items.Length == 1)
            {
                chunk.Job.FailItems(chunk, index => new TimeoutException(
                    $"Item {index} ran longer than the pool's TaskTimeout of {options.TaskTimeout}; its worker {info.Name} (pid {info.Pid}) was replaced."));
            }
            else
            {
                Requeue(chunk.Singles()); // find out which item is slow, one by one
            }
        }
        Revive(slot);
    }

    private void Requeue(IEnumerable<Chunk> chunks)
    {
        lock (_lock)
        {
            foreach (Chunk chunk in chunks)
            {
                _retries.Enqueue(chunk);
            }
        }
    }

    /// <summary>How the worker's last process ended, waiting briefly for the exit to be known.</summary>
    private string WaitForExit(int worker, int pid)
    {
        for (int i = 0; i < 200; i++)
        {
            WorkerInfo info = coordinator.Workers[worker];
            if (info.Pid != pid || info.State != WorkerState.Running)
            {
                return info.LastExit ?? "its connection was lost";
            }
            Thread.Sleep(10);
        }
        return "its connection was lost";
    }

    /// <summary>Waits for the worker to be running again (a new process), then gives the slot a new runner.</summary>
    private void Revive(Slot slot)
    {
        lock (_lock)
        {
            if (slot.Reviving || _terminated)
            {
                return;
            }
            slot.Reviving = true;
        }
        _ = Task.Run(async () =>
        {
            int oldPid = slot.Pid;
            try
            {
                while (!_terminated)
                {
                    WorkerInfo info = coordinator.Workers[slot.Worker];
                    if (info.State == WorkerState.Failed)
                    {
                        FailIfNoWorkerLeft();
                        return;
                    }
                    if (info.State == WorkerState.Running && info.Pid != oldPid)
                    {
                        try
                        {
                            await SpawnRunnerAsync(slot, CancellationToken.None).ConfigureAwait(false);
                            Pump();
                            return;
                        }
                        catch (Exception ex) when (ex is NodeLostException or ActorTerminatedException or TimeoutException)
                        {
                            oldPid = info.Pid; // that process died too; wait for the next one
                        }
                    }
                    await Task.Delay(20).ConfigureAwait(false);
                }
            }
            finally
            {
                lock (_lock)
                {
                    slot.Reviving = false;
                }
            }
        });
    }

    private void FailIfNoWorkerLeft()
    {
        if (coordinator.Workers.Take(_slots.Length).All(w => w.State == WorkerState.Failed))
        {
            StopAll(new WorkerLostException("Every worker of the pool failed more often than the restart policy allows; the pool cannot run tasks.", 0, "failed"));
        }
    }

    public void Cancel(PoolJob job, Exception reason)
    {
        job.Stop(reason);
        if (job.Cancellable)
        {
            foreach (Slot slot in _slots)
            {
                slot.Canceller?.Tell(new CancelJob(poolId, job.Id));
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
            slot.Runner?.Tell(PoisonPill.Instance);
            slot.Canceller?.Tell(PoisonPill.Instance);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool worker {Worker} (pid {Pid}) was lost with {Chunks} chunk(s) in flight; they run again elsewhere")]
    private static partial void LogWorkerLost(ILogger logger, string worker, int pid, int chunks);
}
