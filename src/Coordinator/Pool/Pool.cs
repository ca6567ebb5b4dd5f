using Actors.Runtime.Tasks;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Actors.Coordination.Pooling;
using Microsoft.Extensions.Logging;

namespace Actors;

/// <summary>What a pool accepts: CPython's RUN / CLOSE / TERMINATE.</summary>
public enum PoolState
{
    /// <summary>Accepts new calls.</summary>
    Running,
    /// <summary><see cref="Pool.Close"/> was called: calls in progress finish, new ones are refused.</summary>
    Closed,
    /// <summary><see cref="Pool.Terminate"/> was called: everything stopped.</summary>
    Terminated,
}

/// <summary>
/// CPython's <c>multiprocessing.Pool</c> on the coordinator's worker processes: <c>Map</c>, <c>MapAsync</c>,
/// <c>Imap</c>, <c>ImapUnordered</c>, <c>Starmap</c>, <c>Apply</c> and their async forms. Tasks may be static
/// methods, method groups, lambdas and closures over serializable values. Unlike CPython it never hangs
/// when a worker dies: the worker is replaced and its tasks run again (<see cref="PoolOptions.MaxTaskRetries"/>).
/// Thread-safe. Disposal terminates, then joins.
/// </summary>
public sealed partial class Pool : IAsyncDisposable, IDisposable
{
    /// <summary>The key under which a failed item's index is stored in its exception's <see cref="Exception.Data"/>.</summary>
    public const string ItemIndexKey = "Actors.ItemIndex";

    /// <summary>The index of the item that failed with <paramref name="exception"/>, when it is a failed item's exception (see <see cref="ItemIndexKey"/>).</summary>
    public static bool TryGetItemIndex(Exception exception, out int index)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.Data[ItemIndexKey] is int found)
        {
            index = found;
            return true;
        }
        index = -1;
        return false;
    }

    /// <summary>Set (true) in <see cref="Exception.Data"/> when the exception came from the input sequence, not from a task.</summary>
    public const string InputFailedKey = "Actors.InputFailed";

    /// <summary>
    /// Items a lazy call (imap) may have taken from its input beyond what its consumer has taken from it.
    /// Measured: 64 halved ordered imap's throughput, because results that arrive out of order fill the
    /// window while the workers wait; 1024 keeps them busy and is still a bounded read-ahead.
    /// </summary>
    internal const int MinReadAhead = 1024;

    private readonly Coordinator _coordinator;
    private readonly bool _ownsCoordinator;
    private readonly PoolScheduler _scheduler;
    private readonly PoolOptions _options;
    private readonly object _joinLock = new();
    private long _jobIds;
    private int _state;
    private int _joiners; // joins waiting now: while there are any, lazy calls read past their window
    private Task _workersStopped = Task.CompletedTask; // after Terminate: the exit of the processes it stopped

    private Pool(Coordinator coordinator, bool ownsCoordinator, PoolScheduler scheduler, PoolOptions options)
    {
        _coordinator = coordinator;
        _ownsCoordinator = ownsCoordinator;
        _scheduler = scheduler;
        _options = options;
    }

    /// <summary>How many worker processes run this pool's tasks.</summary>
    public int Processes => _scheduler.Size;

    /// <summary>Whether the pool accepts new calls.</summary>
    public PoolState State => (PoolState)Volatile.Read(ref _state);

    /// <summary>Starts a pool on an existing coordinator's workers.</summary>
    /// <exception cref="ArgumentException">The initializer cannot travel to a worker.</exception>
    public static async Task<Pool> StartAsync(Coordinator coordinator, PoolOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(coordinator);
        return await StartCoreAsync(coordinator, owns: false, options ?? new PoolOptions(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a pool with its own coordinator and <see cref="PoolOptions.Processes"/> workers (one per core by default), like <c>multiprocessing.Pool()</c>.</summary>
    /// <param name="options">Pool settings.</param>
    /// <param name="coordinatorOptions">Coordinator settings; its worker count is taken from <see cref="PoolOptions.Processes"/> when that is set.</param>
    /// <param name="loggerFactory">Where the runtime logs.</param>
    /// <param name="cancellationToken">Stops the start-up.</param>
    public static async Task<Pool> StartAsync(PoolOptions? options = null, CoordinatorOptions? coordinatorOptions = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        options ??= new PoolOptions();
        coordinatorOptions ??= new CoordinatorOptions();
        if (options.Processes is { } processes)
        {
            coordinatorOptions = coordinatorOptions with { Processes = processes };
        }
        Coordinator coordinator = await Coordinator.StartAsync(coordinatorOptions, loggerFactory, cancellationToken).ConfigureAwait(false);
        try
        {
            return await StartCoreAsync(coordinator, owns: true, options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await coordinator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The synchronous form of <see cref="StartAsync(PoolOptions?, CoordinatorOptions?, ILoggerFactory?, CancellationToken)"/>.</summary>
    public static Pool Start(PoolOptions? options = null, CoordinatorOptions? coordinatorOptions = null, ILoggerFactory? loggerFactory = null) =>
        Task.Run(() => StartAsync(options, coordinatorOptions, loggerFactory)).GetAwaiter().GetResult();

    private static async Task<Pool> StartCoreAsync(Coordinator coordinator, bool owns, PoolOptions options, CancellationToken cancellationToken)
    {
        TrustAssemblies trust = options.Initializer is { } init ? coordinator.TrustCall(init.Method, init.Target?.GetType(), typeof(object)) : new([], []);
        TaskFunction? initializer = options.Initializer is null ? null : TaskFunction.From(options.Initializer, coordinator.Serializer);
        int processes = Math.Min(options.Processes ?? coordinator.Workers.Count, coordinator.Workers.Count);
        PoolScheduler scheduler = await PoolScheduler.StartAsync(coordinator, options, Guid.NewGuid().ToString("N"), initializer, trust,
            coordinator.LoggerFactory.CreateLogger("Actors.Pool"), processes, cancellationToken).ConfigureAwait(false);
        return new Pool(coordinator, owns, scheduler, options);
    }

    /// <summary>
    /// CPython's default chunk size for a map of <paramref name="count"/> items: ceil(count / (4 × processes)).
    /// Near the end of the input, chunks shrink to half of what is left per worker (not below about a millisecond
    /// of work), so uneven tasks do not leave one worker running a last big chunk while the others idle.
    /// </summary>
    public int DefaultChunksize(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int chunks = Processes * 4;
        return Math.Max(1, (count + chunks - 1) / chunks);
    }

    private void EnsureRunning()
    {
        if (State != PoolState.Running)
        {
            throw new InvalidOperationException($"Pool not running (it is {State}).");
        }
    }

    // chunksize null: CPython's rule for an input of known length, else 1.
    private PoolJob<TItem> Submit<TItem>(Delegate function, IEnumerable<TItem> items, int? chunksize, bool lazy, CancellationToken cancellationToken, IProgress<PoolProgress>? progress,
        IOutcomeSink? sink = null, bool argumentsChecked = false)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(items);
        if (chunksize is { } given)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(given, 1, nameof(chunksize));
        }
        int size = chunksize ?? items switch { ICollection<TItem> c => DefaultChunksize(c.Count), IReadOnlyCollection<TItem> r => DefaultChunksize(r.Count), _ => 1 };
        EnsureRunning();
        TrustAssemblies trust = _coordinator.TrustCall(function.Method, function.Target?.GetType(), typeof(TItem));
        TaskFunction task = TaskFunction.From(function, _coordinator.Serializer);
        if (!argumentsChecked)
        {
            CheckItems(function, items);
        }
        bool cancellable = IsCancellable(function.Method);
        // A lazy call reads ahead a bounded window; an eager one (map) is consumed as fast as results arrive.
        int window = lazy ? Math.Max(size * Processes * _options.ChunksInFlight * 4, MinReadAhead) : int.MaxValue;
        var job = new PoolJob<TItem>(Interlocked.Increment(ref _jobIds), task, cancellable, items, size, chunksize is not null, window, _options.FailFast, progress, cancellationToken, sink)
        {
            Trust = trust,
        };
        _scheduler.Submit(job);
        return job;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Reflection.MethodInfo, object> Cancellables = [];

    /// <summary>Whether the task takes a <see cref="CancellationToken"/> last; cached, as reflection costs more than a small task.</summary>
    private static bool IsCancellable(System.Reflection.MethodInfo method) =>
        (bool)Cancellables.GetValue(method, static m => m.GetParameters() is { Length: > 0 } p && p[^1].ParameterType == typeof(CancellationToken));

    /// <summary>
    /// An eager call's results in input order, once it has ended (see <see cref="CollectedOutcomes{TResult}"/>). A call
    /// that cannot start (bad arguments, a closed pool) throws here, at the call.
    /// </summary>
    private Task<List<TResult>> Collect<TItem, TResult>(Delegate function, IEnumerable<TItem> items, int? chunksize, IProgress<PoolProgress>? progress,
        CancellationToken cancellationToken)
    {
        var outcomes = new CollectedOutcomes<TResult>(items.TryGetNonEnumeratedCount(out int count) ? count : null);
        return DisposeAfterAsync(outcomes.Task, Submit(function, items, chunksize, lazy: false, cancellationToken, progress, outcomes));

        static async Task<List<TResult>> DisposeAfterAsync(Task<List<TResult>> outcome, PoolJob job)
        {
            using (job)
            {
                return await outcome.ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A blocking map: the caller's thread is woken by the one that records the last result, with no thread-pool
    /// thread in between, and sleeps meanwhile (see <see cref="Timeouts.WaitAtLeast"/>).
    /// </summary>
    private List<TResult> CollectNow<TItem, TResult>(Delegate function, IEnumerable<TItem> items, int? chunksize, IProgress<PoolProgress>? progress,
        CancellationToken cancellationToken)
    {
        var outcomes = new CollectedOutcomes<TResult>(items.TryGetNonEnumeratedCount(out int count) ? count : null);
        using (Submit(function, items, chunksize, lazy: false, cancellationToken, progress, outcomes))
        {
            Timeouts.WaitAtLeast(outcomes.Task, null, cancellationToken);
            return outcomes.Task.GetAwaiter().GetResult();
        }
    }

    /// <summary>Yields results in input order (ordered) or as they complete, throwing at the first failed item.</summary>
    private async IAsyncEnumerable<TResult> StreamAsync<TResult>(PoolJob job, bool ordered, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stream = new ResultStream<TResult>(job, ordered);
        do
        {
            while (stream.TryTake(out TResult value, out Exception? error))
            {
                if (error is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }
                yield return value;
            }
            _scheduler.Pump();
        }
        while (await stream.WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>No new calls; calls in progress finish. Join waits for them.</summary>
    public void Close() => Interlocked.CompareExchange(ref _state, (int)PoolState.Closed, (int)PoolState.Running);

    /// <summary>
    /// Stops at once, as CPython's <c>terminate</c>: calls in progress fail with "Pool not running", queued chunks are
    /// dropped, and the worker processes are killed, not left to finish their tasks. A pool that started its own
    /// coordinator kills all of its workers (for good); a pool on a shared coordinator kills only the workers running its
    /// tasks just now, and the coordinator replaces them. <see cref="Join"/> then waits until those processes have exited.
    /// </summary>
    public void Terminate()
    {
        if (Interlocked.Exchange(ref _state, (int)PoolState.Terminated) != (int)PoolState.Terminated)
        {
            Volatile.Write(ref _workersStopped, _scheduler.Terminate(killAll: _ownsCoordinator));
        }
    }

    /// <summary>
    /// Waits for the calls in progress to finish after <see cref="Close"/>, or, after <see cref="Terminate"/>, for the
    /// worker processes it stopped to exit.
    /// </summary>
    /// <returns>False if they did not finish within <paramref name="timeout"/>.</returns>
    /// <exception cref="InvalidOperationException">The pool is still running (CPython raises ValueError).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public bool Join(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => JoinAsync(timeout, cancellationToken), CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="Join"/>.</summary>
    public async Task<bool> JoinAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (State == PoolState.Running)
        {
            throw new InvalidOperationException("Pool is still running: call Close or Terminate before Join.");
        }
        TimeSpan wait = Timeouts.Waitable(timeout);
        cancellationToken.ThrowIfCancellationRequested(); // as SemaphoreSlim.Wait: a cancelled wait throws even if the pool is idle already
        // A lazy call whose caller has not read its results yet must not hold the join up: its window opens.
        // If the join times out, it closes again, so an endless input is not read on without bound.
        lock (_joinLock)
        {
            if (++_joiners == 1)
            {
                _scheduler.OpenWindows(true);
            }
        }
        try
        {
            await Task.WhenAll(_scheduler.WhenIdle(), Volatile.Read(ref _workersStopped)).WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_joinLock)
            {
                if (--_joiners == 0)
                {
                    _scheduler.OpenWindows(false);
                }
            }
        }
    }

    /// <summary>Terminates, joins, and stops the coordinator if the pool started its own.</summary>
    public async ValueTask DisposeAsync()
    {
        Terminate();
        await JoinAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _scheduler.Stop();
        if (_ownsCoordinator)
        {
            await _coordinator.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();
}
