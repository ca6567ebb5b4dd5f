namespace Actors;

/// <summary>How a <see cref="Pool"/> runs tasks; CPython's <c>Pool(...)</c> arguments, plus what CPython lacks.</summary>
public sealed record PoolOptions
{
    /// <summary>Chunks queued on each worker by default: one running, one waiting, so no worker idles during a round trip.</summary>
    public const int DefaultChunksInFlight = 2;

    /// <summary>Times a task is run again after its worker died under it, by default (CPython's behaviour is 0).</summary>
    public const int DefaultMaxTaskRetries = 2;

    private readonly int? _processes;
    private readonly int? _maxTasksPerChild;
    private readonly TimeSpan? _taskTimeout;
    private readonly int _maxTaskRetries = DefaultMaxTaskRetries;
    private readonly int _chunksInFlight = DefaultChunksInFlight;

    /// <summary>Worker processes to use; null means all of the coordinator's (one per core by default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int? Processes
    {
        get => _processes;
        init { if (value is { } v) ArgumentOutOfRangeException.ThrowIfLessThan(v, 1, nameof(Processes)); _processes = value; }
    }

    /// <summary>Runs once in each worker before its first task (CPython's <c>initializer</c>): a static method or a lambda capturing serializable values.</summary>
    public Delegate? Initializer { get; init; }

    /// <summary>The initializer's arguments (CPython's <c>initargs</c>).</summary>
    public IReadOnlyList<object?> InitializerArguments { get; init; } = [];

    /// <summary>After this many tasks a worker process is replaced by a fresh one (CPython's <c>maxtasksperchild</c>); null means never.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int? MaxTasksPerChild
    {
        get => _maxTasksPerChild;
        init { if (value is { } v) ArgumentOutOfRangeException.ThrowIfLessThan(v, 1, nameof(MaxTasksPerChild)); _maxTasksPerChild = value; }
    }

    /// <summary>A task running longer fails with <see cref="TimeoutException"/> and its worker is replaced; null means no limit.
    /// With a timeout, each worker holds one chunk at a time (no pipelining), so the time counted is the task's own.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan? TaskTimeout
    {
        get => _taskTimeout;
        init { if (value is { } v) ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(v, TimeSpan.Zero, nameof(TaskTimeout)); _taskTimeout = value; }
    }

    /// <summary>How often a task is run again after its worker died under it; then it fails with <see cref="WorkerLostException"/>. 0 is CPython's behaviour.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int MaxTaskRetries
    {
        get => _maxTaskRetries;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxTaskRetries)); _maxTaskRetries = value; }
    }

    /// <summary>False (CPython's way): a map reports its first failure once every chunk has finished. True: the first failure ends the call at once and the rest is cancelled.</summary>
    public bool FailFast { get; init; }

    /// <summary>
    /// Whether each worker runs a task board's pieces (see the README's Pool section) on a core of its own: its task thread
    /// is bound to that core for them, stays bound from one board to the next, and is freed by the next ordinary chunk.
    /// Null (the default): when the pool has one worker per core of this machine, all of them on it. Measured on this project's 2-vCPU VM: unbound, the kernel often put both
    /// workers' task threads on one vCPU for tens of milliseconds while the other idled (a 35 ms map: 21-22 ms instead of
    /// 19-20). Bound for good, tiny tasks got slower (a worker woken for each chunk waited for its core instead of taking
    /// an idle one), so only board runs are bound. False leaves placement to the kernel.
    /// </summary>
    public bool? PinWorkers { get; init; }

    /// <summary>Chunks queued on each worker at a time (four times as many while the chunks are single items).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ChunksInFlight
    {
        get => _chunksInFlight;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(ChunksInFlight)); _chunksInFlight = value; }
    }
}

/// <summary>Progress of one map-like call, reported at most ten times a second and once at the end.</summary>
/// <param name="Done">Items finished successfully.</param>
/// <param name="Failed">Items that failed.</param>
/// <param name="Total">All items, when the input's length is known.</param>
/// <param name="ItemsPerSecond">The average rate so far.</param>
/// <param name="Eta">The estimated time left, when the total is known.</param>
/// <param name="Elapsed">Time since the call started.</param>
public sealed record PoolProgress(int Done, int Failed, int? Total, double ItemsPerSecond, TimeSpan? Eta, TimeSpan Elapsed);
