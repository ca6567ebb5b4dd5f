using Actors.Runtime.Tasks;
using Actors.Runtime.Lane;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Pooling;

/// <summary>
/// Feeds chunks to one task runner per worker over its lane, keeping <see cref="PoolOptions.ChunksInFlight"/>
/// chunks queued on each so no worker waits for a round trip. One actor owns every piece of scheduling state:
/// calls, replies, input read in the background, worker changes and timeouts all reach it as messages, so it has
/// one thread of control, no locks and no polling. When a worker dies, the chunk it was running is split into
/// single items and run again elsewhere up to <see cref="PoolOptions.MaxTaskRetries"/> times; a task over
/// <see cref="PoolOptions.TaskTimeout"/> fails with <see cref="TimeoutException"/> and its worker is replaced.
/// </summary>
internal sealed partial class PoolSchedulerActor : ReceiveActor, IWithTimers
{
    /// <summary>The scheduler's dispatcher (config/actors.conf): a thread of its own.</summary>
    public const string Dispatcher = "actors.scheduler-dispatcher";

    private readonly Coordinator _coordinator;
    private readonly PoolOptions _options;
    private readonly string _poolId;
    private readonly TaskFunction? _initializer;
    private readonly TrustAssemblies _initializerTrust;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _started;
    private readonly Queue<Chunk> _retries = new();
    private readonly Queue<Chunk> _suspects = new();
    private readonly List<PoolJob> _jobs = [];
    private readonly List<TaskBoard> _boards = [];
    private readonly List<TaskCompletionSource> _idleWaiters = [];
    private readonly List<Slot> _slots;
    private readonly List<Slot> _byLoad; // the slots, least loaded first while sending
    private readonly PoolSize _size;
    private readonly PumpFlag _pumpRequested;
    private readonly Action<int, WorkerInfo> _onWorkerChanged;
    private int _chunkCounter;
    private bool _terminated;

    public ITimerScheduler Timers { get; set; } = null!;

    public PoolSchedulerActor(Coordinator coordinator, PoolOptions options, string poolId, TaskFunction? initializer, TrustAssemblies initializerTrust, ILogger logger, int processes,
        TaskCompletionSource started, PumpFlag pumpRequested, PoolSize size)
    {
        _size = size;
        _initializerTrust = initializerTrust;
        _pumpRequested = pumpRequested;
        _coordinator = coordinator;
        _options = options;
        _poolId = poolId;
        _initializer = initializer;
        _logger = logger;
        _started = started;
        _slots = [.. Enumerable.Range(0, processes).Select(i => new Slot(i))];
        _byLoad = [.. _slots];
        size.Value = processes;
        IActorRef self = Self;
        _onWorkerChanged = (worker, info) => self.Tell(new WorkerChanged(worker, info));

        Receive<Submit>(m => OnSubmit(m.Job));
        Receive<PumpRequest>(_ => Pump());
        Receive<InputRead>(OnInputRead);
        Receive<LaneReply>(reply =>
        {
            if (reply.State is Ticket ticket)
            {
                OnTicketReply(ticket, reply);
            }
            else
            {
                OnChunkReply(reply);
            }
        });
        Receive<ChunkTimedOut>(OnChunkTimedOut);
        Receive<RunnerReady>(OnRunnerReady);
        Receive<RunnerFailed>(OnRunnerFailed);
        Receive<WorkerChanged>(OnWorkerChanged);
        Receive<ExitUnknown>(m => ResolveExits(m.Worker, m.Pid, Unknown(_coordinator.Workers[m.Worker])));
        Receive<CancelCall>(m => Cancel(m.Job, m.Reason));
        Receive<OpenWindows>(m =>
        {
            _jobs.ForEach(job => job.OpenWindow(m.Open));
            Pump();
        });
        Receive<WhenIdle>(m =>
        {
            _idleWaiters.Add(m.Idle);
            Pump();
        });
        Receive<TerminatePool>(Terminate);
    }

    private sealed class Slot(int worker)
    {
        public int Worker => worker;

        /// <summary>The lane to the worker process that runs this slot's runner; null while it has none.</summary>
        public LaneConnection? Runner { get; set; }

        public int Pid { get; set; }

        public List<Chunk> InFlight { get; } = [];

        /// <summary>Board tickets sent there and not answered yet.</summary>
        public List<Ticket> Tickets { get; } = [];

        /// <summary>Chunks and tickets in flight.</summary>
        public int Busy => InFlight.Count + Tickets.Count;

        /// <summary>The lane request id of each chunk in flight (unanswered), for its timeout.</summary>
        public Dictionary<Chunk, long> Requests { get; } = [];

        /// <summary>Chunks whose requests failed because the worker was lost, held until every chunk in flight there is answered.</summary>
        public List<Chunk> Lost { get; } = [];

        public Exception? LostError { get; set; }

        /// <summary>
        /// Chunks this slot holds beyond the usual, measured per worker: one more each time its runner reports it sat idle
        /// between two chunks of a call although the slot was full when the second was sent (the round trip is longer than
        /// the queued work, as to a host on another machine); at most <see cref="PoolOptions.ChunksInFlight"/> × 3 more,
        /// and back to none with a new runner.
        /// </summary>
        public int ExtraDepth { get; set; }

        /// <summary>
        /// The idle time its runner reported when it last starved (a moving average, in µs): the extra chunks are only held
        /// while the work queued here is shorter than twice that, so long chunks stay spread over the workers, not queued on one.
        /// </summary>
        public double StarvedMicroseconds { get; set; }

        public bool Recycling { get; set; }

        /// <summary>Waiting for its worker to run a new process (<see cref="ReplacedPid"/> is the one it replaces).</summary>
        public bool Reviving { get; set; }

        public int ReplacedPid { get; set; }

        /// <summary>A runner is being started in the slot's worker.</summary>
        public bool Spawning { get; set; }

        /// <summary>The lane <see cref="TrustedNames"/> were sent on; a new process starts from nothing.</summary>
        public LaneConnection? TrustLane { get; set; }

        /// <summary>App assemblies this slot's worker process has been told to trust.</summary>
        public HashSet<string> TrustedNames { get; } = new(StringComparer.Ordinal);
    }

    internal sealed record Submit(PoolJob Job);

    internal sealed class PumpRequest
    {
        public static readonly PumpRequest Instance = new();
    }

    /// <summary>
    /// How many slots the pool has: the scheduler writes it (a pool without <see cref="PoolOptions.Processes"/> grows as workers
    /// are added, by hosts joining), <see cref="Pool.Processes"/> reads it.
    /// </summary>
    internal sealed class PoolSize
    {
        private int _value;

        public int Value
        {
            get => Volatile.Read(ref _value);
            set => Volatile.Write(ref _value, value);
        }
    }

    /// <summary>
    /// Set while a <see cref="PumpRequest"/> is on its way: consumers taking results ask for a pump after every batch,
    /// and one queued request serves them all (the actor clears the flag as it pumps).
    /// </summary>
    internal sealed class PumpFlag
    {
        private int _set;

        public bool TrySet() => Interlocked.Exchange(ref _set, 1) == 0;

        public void Clear() => Volatile.Write(ref _set, 0);
    }

    internal sealed record OpenWindows(bool Open);

    internal sealed record WhenIdle(TaskCompletionSource Idle);

    /// <summary>
    /// Stops every call and the runners. With <paramref name="KillAll"/> (the pool owns its coordinator) every worker
    /// process is killed for good; otherwise those running this pool's tasks are replaced. <paramref name="Exited"/>
    /// completes when the killed processes have exited.
    /// </summary>
    internal sealed record TerminatePool(bool KillAll, TaskCompletionSource? Exited);

    private sealed record CancelCall(PoolJob Job, Exception Reason);

    /// <summary>A chunk read in the background from an input of unknown length (null: nothing more now).</summary>
    private sealed record InputRead(PoolJob Job, Chunk? Chunk);

    /// <summary>What a chunk's request carries, to come back with its reply; <paramref name="Full"/>: whether the chunk filled its slot (sent as soon as a reply made room).</summary>
    private sealed record Sent(Slot Slot, LaneConnection Runner, Chunk Chunk, bool Full);

    private sealed record ChunkTimedOut(Sent Sent, long Request);

    private sealed record RunnerReady(Slot Slot, LaneConnection Lane);

    private sealed record RunnerFailed(Slot Slot, int Pid, Exception Error);

    private sealed record WorkerChanged(int Worker, WorkerInfo Info);

    protected override void PreStart()
    {
        _coordinator.WorkerChanged += _onWorkerChanged;
        foreach (Slot slot in _slots)
        {
            SpawnRunner(slot);
        }
        if (_slots.Count == 0)
        {
            _started.TrySetResult(); // a cluster's coordinator with no worker yet: calls wait for the first host
        }
    }

    /// <summary>See <see cref="PoolOptions.PinWorkers"/>: by default, when the pool has one local worker per core.</summary>
    private bool PinWorkers() =>
        _options.PinWorkers ?? (_slots.Count == Environment.ProcessorCount && _slots.TrueForAll(s => _coordinator.IsLocal(s.Worker)));

    /// <summary>A pool that uses every worker takes each new one (a joining host's) as a slot of its own.</summary>
    private void Grow(int worker)
    {
        if (_options.Processes is not null || _terminated)
        {
            return;
        }
        while (_slots.Count <= worker)
        {
            var slot = new Slot(_slots.Count) { Reviving = true }; // its runner starts once its worker runs
            _slots.Add(slot);
            _byLoad.Add(slot);
            _size.Value = _slots.Count;
            TryRevive(slot);
        }
    }

    /// <summary>Whether the pool has started: every slot has its runner, except those whose host is disconnected.</summary>
    private bool AllRunnersStarted() =>
        _slots.TrueForAll(s => s.Runner is not null || _coordinator.Workers[s.Worker].State == WorkerState.Disconnected) && _slots.Exists(s => s.Runner is not null);

    protected override void PostStop()
    {
        _coordinator.WorkerChanged -= _onWorkerChanged;
        _boards.ForEach(board => board.Dispose());
        _arena.RemoveAll();
        _started.TrySetException(new InvalidOperationException("The pool's scheduler stopped before its runners started."));
        _idleWaiters.ForEach(w => w.TrySetResult());
    }

    /// <summary>Starts the pool's runner in the slot's worker process, over its lane; the outcome comes back as a message.</summary>
    private void SpawnRunner(Slot slot)
    {
        WorkerInfo info = _coordinator.Workers[slot.Worker];
        LaneConnection? lane = _coordinator.LaneOf(slot.Worker);
        if (lane is null)
        {
            Self.Tell(new RunnerFailed(slot, info.Pid, new NodeLostException(info.Name, $"{info.Name} is not running.")));
            return;
        }
        slot.Spawning = true;
        var start = new StartLaneActor(_poolId, typeof(TaskRunner).FullName!, typeof(TaskRunner).Assembly.GetName().Name!,
            [_initializer, _options.InitializerArguments.ToArray(), _options.MaxTasksPerChild ?? 0, PinWorkers() ? slot.Worker : -1], TaskRunner.Dispatcher);
        IActorRef self = Self;
        EnsureTrusted(slot, lane, _initializerTrust);
        lane.AskAsync<bool>(start, Coordinator.DefaultSpawnTimeout, _poolId).ContinueWith(t => self.Tell(t.IsCompletedSuccessfully
            ? new RunnerReady(slot, lane)
            : new RunnerFailed(slot, lane.Peer.Pid, t.Exception?.InnerException ?? new TimeoutException("The runner did not start."))),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnRunnerReady(RunnerReady ready)
    {
        Slot slot = ready.Slot;
        slot.Spawning = false;
        slot.Reviving = false;
        slot.Recycling = false;
        slot.Runner = ready.Lane;
        slot.Pid = ready.Lane.Peer.Pid;
        slot.ExtraDepth = 0; // a new process, maybe elsewhere: measured again
        slot.StarvedMicroseconds = 0;
        if (AllRunnersStarted())
        {
            _started.TrySetResult();
        }
        Pump();
    }

    private void OnRunnerFailed(RunnerFailed failed)
    {
        failed.Slot.Spawning = false;
        // At start-up, a worker that is being replaced (its process just died, or a pool before this one terminated it) is
        // waited for like later on; anything else (a refusal, a worker that failed for good) fails the start.
        bool replaced = failed.Error is NodeLostException && _coordinator.Workers[failed.Slot.Worker].State != WorkerState.Failed;
        if (!_started.Task.IsCompleted && !replaced)
        {
            _started.TrySetException(failed.Error);
            Context.Stop(Self);
            return;
        }
        // That process died too, or is dying (or its host is cut off): wait for the next one.
        failed.Slot.Reviving = true;
        failed.Slot.ReplacedPid = failed.Pid;
        TryRevive(failed.Slot);
        if (AllRunnersStarted())
        {
            _started.TrySetResult();
        }
    }

    private void OnSubmit(PoolJob job)
    {
        if (_terminated)
        {
            job.Stop(new InvalidOperationException("Pool not running: it was terminated."));
            return;
        }
        _jobs.Add(job);
        IActorRef self = Self;
        job.CancellationToken.Register(() => self.Tell(new CancelCall(job, new OperationCanceledException("The pool call was cancelled.", job.CancellationToken))));
        Pump();
    }

    /// <summary>
    /// Sends what is ready to the slots with room, and reads more input while some slot has room. Runs on every
    /// submission, reply and input read, and when a consumer takes results (room in its job's window).
    /// </summary>
    private void Pump()
    {
        _pumpRequested.Clear();
        while (true)
        {
            _jobs.RemoveAll(Ended);
            SettleBoards();
            if (_jobs.Count == 0 && _idleWaiters.Count > 0)
            {
                _idleWaiters.ForEach(w => w.TrySetResult());
                _idleWaiters.Clear();
            }
            OpenBoards();
            SendReady();
            if (!_slots.Exists(HasRoom))
            {
                return;
            }
            // An input of unknown length (a generator that may wait on a socket) is read on a thread-pool thread,
            // so a slow source holds up only its own next chunk, never the results coming back, nor other calls.
            bool read = false;
            foreach (PoolJob job in _jobs)
            {
                if (job.Ready.Count == 0 && job.CanTake)
                {
                    if (job.ReadInBackground)
                    {
                        Feed(job);
                    }
                    else if (!read && ReadInput(job))
                    {
                        read = true;
                    }
                }
            }
            if (!read)
            {
                return;
            }
        }
    }

    private void SendReady()
    {
        // Each slot's wire order equals its InFlight order, which is how the chunk a dead worker was running is told
        // apart from the ones queued behind it. Round robin, one chunk per slot per round, so idle workers pull evenly.
        bool sent = true;
        while (sent)
        {
            sent = false;
            _byLoad.Sort(static (a, b) => a.Busy.CompareTo(b.Busy));
            foreach (Slot slot in _byLoad)
            {
                if (!HasRoom(slot))
                {
                    continue;
                }
                if (NextChunk(allowSuspect: slot.Busy == 0) is { } chunk)
                {
                    slot.InFlight.Add(chunk);
                    Send(slot, slot.Runner!, chunk);
                    sent = true;
                }
                else if (slot.Tickets.Count == 0 && _boards.Find(b => b.Job.Stopped is null && !b.Drained) is { } board)
                {
                    SendTicket(slot, slot.Runner!, board);
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
        slot.Runner is not null && !slot.Recycling && slot.Busy < Depth(slot) && !slot.InFlight.Exists(c => c.Attempts > 0);

    /// <summary>
    /// Reads a job's input on a thread-pool thread, unless that is under way already: as many items as one message would
    /// carry (<see cref="ChunkSizing.ItemsFor"/>), each of the call's chunks handed over as soon as it is read. A read may
    /// wait on the source for any time, and what was read before it must not wait with it: read into one larger message,
    /// a slow generator's earlier items (and their results) were held back until its next item came (CPython sends each
    /// chunk as it is read). The chunks of one read share its number.
    /// </summary>
    private void Feed(PoolJob job)
    {
        if (!job.TryStartFeeding())
        {
            return;
        }
        int index = ++_chunkCounter;
        int items = ChunkSizing.ItemsFor(job, _options, Math.Max(1, _slots.Count)) ?? job.Chunksize;
        IActorRef self = Self;
        _ = Task.Run(() =>
        {
            try
            {
                for (int read = 0; read < items;)
                {
                    Chunk? chunk;
                    lock (job.InputLock)
                    {
                        chunk = job.CanTake ? job.TakeChunk(index) : null;
                    }
                    if (chunk is null)
                    {
                        break;
                    }
                    self.Tell(new InputRead(job, chunk));
                    read += chunk.Items.Length;
                }
            }
            finally
            {
                job.EndFeeding();
                self.Tell(new InputRead(job, null));
            }
        });
    }

    private void OnInputRead(InputRead read)
    {
        if (read.Chunk is not null)
        {
            read.Job.Ready.Enqueue(read.Chunk);
        }
        Pump();
    }

    /// <summary>Reads one chunk of a job's input (arrays and lists: a slice); false if it gave none.</summary>
    private bool ReadInput(PoolJob job)
    {
        lock (job.InputLock)
        {
            if (job.CanTake && job.TakeChunk(++_chunkCounter, ChunkSizing.ItemsFor(job, _options, Math.Max(1, _slots.Count))) is { } chunk)
            {
                job.Ready.Enqueue(chunk);
                return true;
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
        RememberCost(job);
        if (job.Cancellable)
        {
            foreach (Slot slot in _slots)
            {
                slot.Runner?.Tell(new ForgetJob(_poolId, job.Id), _poolId);
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
    /// when the chunk is sent, measures the task and not its wait behind others. Otherwise a slot whose worker sat idle
    /// although the slot was kept full (a longer round trip, as to a host on another machine) holds more: see
    /// <see cref="Slot.ExtraDepth"/>.</remarks>
    private int Depth(Slot slot)
    {
        if (_options.TaskTimeout is not null)
        {
            return 1;
        }
        int depth = slot.InFlight.Count > 0 && slot.InFlight.TrueForAll(c => c.Items.Length == 1) ? _options.ChunksInFlight * 4 : _options.ChunksInFlight;
        if (slot.ExtraDepth == 0)
        {
            return depth;
        }
        // Extra chunks hide a long round trip behind short work; queued behind long work they would only be stuck on
        // this worker while another idles (unknown work, a call's first chunks, counts as long: NaN compares false).
        double queued = 0;
        foreach (Chunk chunk in slot.InFlight)
        {
            queued += chunk.Items.Length * chunk.Job.MicrosecondsPerItem;
        }
        return queued < 2 * slot.StarvedMicroseconds ? depth + slot.ExtraDepth : depth;
    }

    /// <summary>How long a runner may sit idle between two chunks of a call, when its slot was kept full, before its slot holds one more.</summary>
    private static bool Starved(ChunkResult result) => result.IdleMicroseconds > Math.Max(StarvedFloorMicroseconds, result.RunMicroseconds / 4);

    private const double StarvedFloorMicroseconds = 100;

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
                return job.ReadInBackground ? Merged(job, chunk) : chunk;
            }
        }
        return null;
    }

    /// <summary>
    /// A generator's chunks are handed over one by one as they are read (see <see cref="Feed"/>); those that wait
    /// together go as one message, up to <see cref="ChunkSizing.ItemsFor"/> (measured: imap over a generator of tiny
    /// tasks, 36 k items/s one message per item). An input of known length is cut that way as it is read.
    /// </summary>
    private Chunk Merged(PoolJob job, Chunk first)
    {
        int limit = ChunkSizing.ItemsFor(job, _options, Math.Max(1, _slots.Count)) ?? job.Chunksize;
        int count = first.Items.Length;
        int following = 0;
        foreach (Chunk next in job.Ready) // in the order they were read
        {
            if (next.Start != first.Start + count || count + next.Items.Length > limit)
            {
                break;
            }
            count += next.Items.Length;
            following++;
        }
        if (following == 0)
        {
            return first;
        }
        Array items = Array.CreateInstance(first.Items.GetType().GetElementType()!, count);
        first.Items.CopyTo(items, 0);
        for (int at = first.Items.Length; following-- > 0;)
        {
            Chunk part = job.Ready.Dequeue();
            Array.Copy(part.Items, 0, items, at, part.Items.Length);
            at += part.Items.Length;
        }
        return new Chunk(job, first.Index, first.Start, items);
    }

    /// <summary>
    /// Tells the worker behind <paramref name="lane"/> to trust the app assemblies a call names, once per assembly and process,
    /// before the call's messages that need them (same order key: they arrive after it).
    /// </summary>
    private void EnsureTrusted(Slot slot, LaneConnection lane, TrustAssemblies trust)
    {
        if (slot.TrustLane != lane)
        {
            slot.TrustLane = lane;
            slot.TrustedNames.Clear();
        }
        int[] missing = [.. Enumerable.Range(0, trust.Names.Length).Where(i => !slot.TrustedNames.Contains(trust.Names[i]))];
        if (missing.Length == 0)
        {
            return;
        }
        lane.Tell(new TrustAssemblies([.. missing.Select(i => trust.Names[i])], [.. missing.Select(i => trust.Locations[i])]), _poolId);
        foreach (int i in missing)
        {
            slot.TrustedNames.Add(trust.Names[i]);
        }
    }

    private void Send(Slot slot, LaneConnection runner, Chunk chunk)
    {
        var sent = new Sent(slot, runner, chunk, slot.InFlight.Count >= Depth(slot));
        long request;
        try
        {
            EnsureTrusted(slot, runner, chunk.Job.Trust);
            request = runner.Request(new RunChunk(_poolId, chunk.Job.Id, chunk.Index, chunk.Job.Function, chunk.Items, chunk.Job.Cancellable,
                chunk.Job.Chunksize, ChunkSizing.GiveBackAfterMicroseconds(chunk)), Self, sent, _poolId);
        }
        catch (Exception ex) when (ex is PayloadSerializationException or MessageTooLargeException)
        {
            // These items cannot travel; they fail alone, each with an exception of its own (it carries its index).
            slot.InFlight.Remove(chunk);
            string reason = ex.Message.StartsWith("RunChunk.Items", StringComparison.Ordinal) ? ex.Message[(ex.Message.IndexOf(':', StringComparison.Ordinal) + 2)..] : ex.Message;
            chunk.Job.FailItems(chunk, index => ex is MessageTooLargeException
                ? new MessageTooLargeException($"Item {index} is in a chunk too large to send to a worker: {reason}")
                : new PayloadSerializationException($"Item {index} cannot travel to a worker: {reason}", ex));
            Self.Tell(PumpRequest.Instance);
            return;
        }
        slot.Requests[chunk] = request;
        if (_options.TaskTimeout is { } perTask)
        {
            // Keyed by worker and request: request ids are counted per lane, so two workers' ids collide.
            Timers.StartSingleTimer(TimerKey(slot, request), new ChunkTimedOut(sent, request), perTask * chunk.Items.Length); // the clock starts as it is sent
        }
    }

    /// <summary>A faithful copy (type, message, stack, data) through the payload serializer's exception codec.</summary>
    private Exception Copy(Exception error)
    {
        IPayloadSerializer serializer = _coordinator.Serializer;
        return serializer.Deserialize<Exception>(serializer.Serialize(error));
    }

    private static (string, int, long) TimerKey(Slot slot, long request) => ("chunk", slot.Worker, request);

    /// <summary>A chunk's reply, straight from the lane: its results, the task's failure, or the loss of the worker.</summary>
    private void OnChunkReply(LaneReply reply)
    {
        (Slot slot, LaneConnection runner, Chunk chunk, bool full) = (Sent)reply.State;
        if (slot.Requests.Remove(chunk, out long request))
        {
            Timers.Cancel(TimerKey(slot, request));
        }
        if (reply.Failure is NodeLostException lost)
        {
            OnWorkerLost(slot, runner, chunk, lost);
        }
        else if (reply.Failure is { } error)
        {
            slot.InFlight.Remove(chunk);
            chunk.Job.FailItems(chunk, index => index == chunk.Start ? error : Copy(error)); // one each: it carries its item's index
        }
        else if (slot.InFlight.Remove(chunk))
        {
            var result = (ChunkResult)reply.Message!;
            if (full && Starved(result) && slot.Runner == runner)
            {
                slot.ExtraDepth = Math.Min(slot.ExtraDepth + 1, _options.ChunksInFlight * 3);
                slot.StarvedMicroseconds = slot.StarvedMicroseconds == 0 ? result.IdleMicroseconds : (0.7 * slot.StarvedMicroseconds) + (0.3 * result.IdleMicroseconds);
            }
            slot.Recycling |= result.Recycle;
            bool recycleNow = slot.Recycling && slot.Busy == 0 && slot.Runner == runner;
            if (recycleNow)
            {
                slot.Runner = null;
            }
            chunk.Job.ObserveRunTime(result.Ran, result.RunMicroseconds);
            if (result.Ran < chunk.Items.Length)
            {
                Requeue(chunk.Rest(result.Ran, chunk.Job.Chunksize)); // given back unstarted: they run next, as the call chunked them
            }
            chunk.Job.Complete(chunk, result.Ran, (Array)result.Results, result.FailedOffsets, result.Failures);
            if (recycleNow)
            {
                _ = _coordinator.RecycleWorker(slot.Worker);
                Revive(slot);
            }
        }
        SettleIfLost(slot);
        Pump();
    }

    private void OnChunkTimedOut(ChunkTimedOut timedOut)
    {
        (Slot slot, LaneConnection runner, Chunk chunk, _) = timedOut.Sent;
        if (slot.Requests.Remove(chunk))
        {
            runner.Forget(timedOut.Request);
            OnTimeout(slot, runner, chunk);
            Pump();
        }
    }

    private void Cancel(PoolJob job, Exception reason)
    {
        job.Stop(reason);
        _boards.Find(b => b.Job == job)?.Stop();
        if (job.Cancellable)
        {
            foreach (Slot slot in _slots)
            {
                slot.Runner?.Tell(new CancelJob(_poolId, job.Id));
            }
        }
        Pump();
    }

    private void StopAll(Exception reason)
    {
        foreach (PoolJob job in _jobs.ToArray())
        {
            Cancel(job, reason);
        }
    }

    /// <summary>CPython's <c>terminate</c>: the calls fail at once and the processes running their tasks are stopped, not left to finish them.</summary>
    private void Terminate(TerminatePool terminate)
    {
        if (_terminated)
        {
            terminate.Exited?.TrySetResult();
            return;
        }
        _terminated = true;
        StopAll(new InvalidOperationException("Pool not running: it was terminated while this call was in progress."));
        var exits = new List<Task>();
        if (terminate.KillAll)
        {
            exits.Add(_coordinator.KillWorkersAsync());
        }
        foreach (Slot slot in _slots)
        {
            if (!terminate.KillAll && (slot.Busy > 0 || slot.Lost.Count > 0))
            {
                exits.Add(_coordinator.RecycleWorker(slot.Worker)); // a shared coordinator's worker, busy with our tasks: replaced
            }
            else
            {
                slot.Runner?.Tell(new StopLaneActor(_poolId), _poolId);
            }
        }
        if (terminate.Exited is { } exited)
        {
            Task.WhenAll(exits).ContinueWith(_ => exited.TrySetResult(), TaskScheduler.Default);
        }
        Pump();
    }
}
