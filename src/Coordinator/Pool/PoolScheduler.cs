using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Pooling;

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
    private readonly List<PoolJob> _jobs = [];
    private Slot[] _slots = [];
    private int _chunkCounter;
    private volatile bool _terminated;

    private sealed class Slot(int worker)
    {
        public int Worker => worker;

        public ActorRef? Runner { get; set; }

        public int Pid { get; set; }

        public List<Chunk> InFlight { get; } = [];

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
        lock (_lock)
        {
            slot.Runner = runner;
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
        var sends = new List<(Slot, ActorRef, Chunk)>();
        lock (_lock)
        {
            _jobs.RemoveAll(j => j.Stopped is not null || (j.InputDone && j.Completed + j.Failed >= j.Taken));
            foreach (Slot slot in _slots.OrderBy(s => s.InFlight.Count))
            {
                while (slot.Runner is { } runner && !slot.Recycling && slot.InFlight.Count < options.ChunksInFlight && NextChunk() is { } chunk)
                {
                    slot.InFlight.Add(chunk);
                    sends.Add((slot, runner, chunk));
                }
            }
        }
        foreach ((Slot slot, ActorRef runner, Chunk chunk) in sends)
        {
            Send(slot, runner, chunk);
        }
    }

    private Chunk? NextChunk()
    {
        while (_retries.TryDequeue(out Chunk? retry))
        {
            if (retry.Job.Stopped is null)
            {
                return retry;
            }
        }
        foreach (PoolJob job in _jobs)
        {
            if (job.CanTake && job.TakeChunk(Interlocked.Increment(ref _chunkCounter)) is { } chunk)
            {
                return chunk;
            }
        }
        return null;
    }

    private void Send(Slot slot, ActorRef runner, Chunk chunk)
    {
        TimeSpan timeout = options.TaskTimeout is { } perTask ? perTask * chunk.Items.Length : Timeout.InfiniteTimeSpan;
        Task<ChunkResult> ask;
        try
        {
            ask = runner.AskAsync<ChunkResult>(new RunChunk(chunk.Job.Id, chunk.Index, chunk.Job.Function, chunk.Items, chunk.Job.Cancellable), timeout);
        }
        catch (Exception ex) when (ex is PayloadSerializationException or MessageTooLargeException)
        {
            // These items cannot travel; they fail alone.
            lock (_lock)
            {
                slot.InFlight.Remove(chunk);
            }
            chunk.Job.FailItems(chunk, _ => ex);
            Pump();
            return;
        }
        ask.ContinueWith(t => OnChunkDone(slot, runner, chunk, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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
                slot.Recycling |= result.Recycle;
                recycleNow = slot.Recycling && slot.InFlight.Count == 0 && slot.Runner == runner;
                if (recycleNow)
                {
                    slot.Runner = null;
                }
            }
            chunk.Job.Complete(chunk, (Array)result.Results, result.FailedOffsets, result.Failures);
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
                    }
                    chunk.Job.FailItems(chunk, _ => error);
                    break;
            }
        }
        Pump();
    }

    private void OnWorkerLost(Slot slot, ActorRef runner, Exception error)
    {
        List<Chunk> held;
        int pid;
        lock (_lock)
        {
            if (slot.Runner != runner)
            {
                return; // handled already, through another chunk of the same worker
            }
            slot.Runner = null;
            pid = slot.Pid;
            held = [.. slot.InFlight];
            slot.InFlight.Clear();
        }
        string worker = coordinator.Workers[slot.Worker].Name;
        LogWorkerLost(logger, worker, pid, held.Count);
        for (int i = 0; i < held.Count; i++)
        {
            Chunk chunk = held[i];
            if (i > 0)
            {
                Requeue([chunk]); // it was only queued behind the running one
                continue;
            }
            chunk.Attempts++;
            if (chunk.Attempts > options.MaxTaskRetries)
            {
                string how = WaitForExit(slot.Worker, pid);
                chunk.Job.FailItems(chunk, index => new WorkerLostException(
                    $"Item {index} was running on {worker} (pid {pid}) when it died ({how}); it was tried {chunk.Attempts} time(s), the retry limit is {options.MaxTaskRetries}. {error.Message}", pid, how));
            }
            else
            {
                Requeue(chunk.Items.Length > 1 ? chunk.Singles() : [chunk]);
            }
        }
        Revive(slot);
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
            held = [.. slot.InFlight];
            slot.InFlight.Clear();
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
        for (int i = 0; i < 20; i++)
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
                slot.Runner?.Tell(new CancelJob(job.Id));
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
            if (slot.Runner is { } runner)
            {
                runner.Tell(PoisonPill.Instance);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool worker {Worker} (pid {Pid}) was lost with {Chunks} chunk(s) in flight; they run again elsewhere")]
    private static partial void LogWorkerLost(ILogger logger, string worker, int pid, int chunks);
}
