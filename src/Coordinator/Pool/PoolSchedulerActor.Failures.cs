using Actors.Runtime.Lane;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Pooling;

/// <summary>What the scheduler does when a worker dies or a task outlives its timeout.</summary>
internal sealed partial class PoolSchedulerActor
{
    /// <summary>How long a failure waits to name the dead worker's exit (code or signal) before it goes without.</summary>
    private static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(2);

    /// <summary>Items that failed on a dead worker, waiting to learn how its process ended.</summary>
    private readonly List<(int Worker, int Pid, Action<WorkerInfo> Fail)> _awaitingExit = [];

    /// <summary>The dead worker's exit was not reported in time.</summary>
    private sealed record ExitUnknown(int Worker, int Pid);

    /// <summary>
    /// A chunk's request failed because its worker was lost. The slot stops sending there; the chunk is held until every
    /// other chunk in flight there has its answer too (a reply read just before the end of the stream still counts).
    /// </summary>
    private static void OnWorkerLost(Slot slot, LaneConnection runner, Chunk chunk, Exception error)
    {
        if (slot.Runner == runner)
        {
            slot.Runner = null;
        }
        if (slot.InFlight.Remove(chunk))
        {
            slot.Lost.Add(chunk);
            slot.LostError ??= error;
        }
    }

    /// <summary>Once nothing is in flight on a slot that lost its worker, what it held runs again elsewhere (or fails).</summary>
    private void SettleIfLost(Slot slot)
    {
        if (slot.Lost.Count == 0 || slot.Busy > 0)
        {
            return;
        }
        List<Chunk> held = [.. slot.Lost];
        Exception error = slot.LostError!;
        slot.Lost.Clear();
        slot.LostError = null;
        int pid = slot.Pid;
        string worker = _coordinator.Workers[slot.Worker].Name;
        LogWorkerLost(_logger, worker, pid, held.Count);
        // The worker may have died before sending the reply of a chunk it had finished, so every
        // unanswered chunk counts an attempt; as isolated singles, only the real culprit keeps counting.
        string where = held.Count == 1 ? "was running" : "was running or queued";
        foreach (Chunk chunk in held)
        {
            chunk.Attempts++;
            if (chunk.Attempts > _options.MaxTaskRetries)
            {
                Chunk failed = chunk;
                WhenExitKnown(slot.Worker, pid, exit => failed.Job.FailItems(failed, index => new WorkerLostException(
                    $"Item {index} {where} on {worker} (pid {pid}) when it died ({exit.LastExit}); it was tried {failed.Attempts} time(s), the retry limit is {_options.MaxTaskRetries}. {error.Message}",
                    pid, exit.LastExit!, exit.ExitCode, exit.Signal)));
            }
            else
            {
                foreach (Chunk single in chunk.Items.Length > 1 ? chunk.Singles() : [chunk])
                {
                    _suspects.Enqueue(single);
                }
            }
        }
        Revive(slot);
    }

    /// <summary>Runs <paramref name="fail"/> with how the worker's process <paramref name="pid"/> ended, once that is known (or after <see cref="ExitWait"/>).</summary>
    private void WhenExitKnown(int worker, int pid, Action<WorkerInfo> fail)
    {
        WorkerInfo info = _coordinator.Workers[worker];
        if (info.Pid != pid || info.State != WorkerState.Running)
        {
            fail(info.LastExit is null ? Unknown(info) : info);
            return;
        }
        _awaitingExit.Add((worker, pid, fail));
        Timers.StartSingleTimer((worker, pid), new ExitUnknown(worker, pid), ExitWait);
    }

    /// <summary>The snapshot of a worker whose exit is not known (yet): only its connection was lost.</summary>
    private static WorkerInfo Unknown(WorkerInfo info) => info with { LastExit = "its connection was lost", ExitCode = null, Signal = null };

    private void ResolveExits(int worker, int pid, WorkerInfo how)
    {
        foreach ((int Worker, int Pid, Action<WorkerInfo> Fail) waiting in _awaitingExit.Where(w => w.Worker == worker && w.Pid == pid).ToArray())
        {
            _awaitingExit.Remove(waiting);
            Timers.Cancel((worker, pid));
            waiting.Fail(how);
        }
        Pump();
    }

    private void OnWorkerChanged(WorkerChanged changed)
    {
        (int worker, WorkerInfo info) = changed;
        Grow(worker);
        foreach ((int Worker, int Pid, Action<WorkerInfo> _) waiting in _awaitingExit.Where(w => w.Worker == worker && (info.Pid != w.Pid || info.State != WorkerState.Running)).ToArray())
        {
            ResolveExits(worker, waiting.Pid, info.LastExit is null ? Unknown(info) : info);
        }
        foreach (Slot slot in _slots.Where(s => s.Worker == worker && s.Reviving))
        {
            TryRevive(slot);
        }
    }

    private void OnTimeout(Slot slot, LaneConnection runner, Chunk timedOut)
    {
        if (slot.Runner != runner || !slot.InFlight.Contains(timedOut))
        {
            return;
        }
        slot.Runner = null;
        List<Chunk> held = [.. slot.InFlight]; // every one still unanswered, the timed-out one among them
        slot.InFlight.Clear();
        foreach (Chunk lost in held)
        {
            if (slot.Requests.Remove(lost, out long request))
            {
                Timers.Cancel(TimerKey(slot, request));
                runner.Forget(request);
            }
        }
        WorkerInfo info = _coordinator.Workers[slot.Worker];
        _ = _coordinator.RecycleWorker(slot.Worker); // the stuck task holds that worker; replace it
        foreach (Chunk chunk in held)
        {
            if (chunk != timedOut)
            {
                Requeue([chunk]);
            }
            else if (chunk.Items.Length == 1)
            {
                chunk.Job.FailItems(chunk, index => new TimeoutException(
                    $"Item {index} ran longer than the pool's TaskTimeout of {_options.TaskTimeout}; its worker {info.Name} (pid {info.Pid}) was replaced."));
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
        foreach (Chunk chunk in chunks)
        {
            _retries.Enqueue(chunk);
        }
    }

    /// <summary>Gives the slot a new runner once its worker runs a new process; worker changes arrive as messages.</summary>
    private void Revive(Slot slot)
    {
        if (slot.Reviving || _terminated)
        {
            return;
        }
        slot.Reviving = true;
        slot.ReplacedPid = slot.Pid;
        TryRevive(slot);
    }

    private void TryRevive(Slot slot)
    {
        if (_terminated || slot.Spawning || !slot.Reviving)
        {
            return;
        }
        WorkerInfo info = _coordinator.Workers[slot.Worker];
        if (info.State == WorkerState.Failed)
        {
            slot.Reviving = false;
            if (_started.TrySetException(new WorkerStartException($"{info.Name} failed more often than the restart policy allows ({info.LastExit}); the pool cannot start on it.")))
            {
                Context.Stop(Self);
                return;
            }
            FailIfNoWorkerLeft();
        }
        else if (info.State == WorkerState.Running && info.Pid != slot.ReplacedPid)
        {
            SpawnRunner(slot);
        }
    }

    private void FailIfNoWorkerLeft()
    {
        if (_coordinator.Workers.Take(_slots.Count).All(w => w.State == WorkerState.Failed))
        {
            StopAll(new WorkerLostException("Every worker of the pool failed more often than the restart policy allows; the pool cannot run tasks.", 0, "failed"));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool worker {Worker} (pid {Pid}) was lost with {Chunks} chunk(s) in flight; they run again elsewhere")]
    private static partial void LogWorkerLost(ILogger logger, string worker, int pid, int chunks);
}
