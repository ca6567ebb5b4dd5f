using Actors.Runtime.Lane;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Pooling;

/// <summary>What the scheduler does when a worker dies or a task outlives its timeout.</summary>
internal sealed partial class PoolScheduler
{
    private void OnWorkerLost(Slot slot, LaneConnection runner, Exception error)
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

    private void OnTimeout(Slot slot, LaneConnection runner, Chunk timedOut)
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
                        catch (Exception ex) when (ex is NodeLostException or TimeoutException)
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool worker {Worker} (pid {Pid}) was lost with {Chunks} chunk(s) in flight; they run again elsewhere")]
    private static partial void LogWorkerLost(ILogger logger, string worker, int pid, int chunks);
}
