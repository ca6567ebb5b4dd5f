using Actors.Coordination.Pooling;

namespace Actors;

/// <remarks>
/// Every call has a form whose task takes a <see cref="CancellationToken"/> last: cancelling the call (its
/// <c>cancellationToken</c>) cancels the token the running tasks hold. An argument or item that cannot travel to a worker
/// fails the call itself with <see cref="PayloadSerializationException"/>, naming it.
/// </remarks>
public sealed partial class Pool
{
    /// <summary>Applies <paramref name="func"/> to every item and returns the results in input order (CPython's <c>map</c>).</summary>
    /// <param name="func">The task: a static method, method group, lambda or closure over serializable values.</param>
    /// <param name="iterable">The items; read lazily, in chunks.</param>
    /// <param name="chunksize">Items per message to a worker; null for CPython's default (see <see cref="DefaultChunksize"/>).</param>
    /// <param name="progress">Receives progress reports.</param>
    /// <param name="cancellationToken">Stops the rest of the work.</param>
    /// <exception cref="InvalidOperationException">The pool is not running.</exception>
    /// <exception cref="PayloadSerializationException">The task captures something, or the items hold something, that cannot travel (named in the message).</exception>
    /// <remarks>A failed item's exception arrives with its original type where it can be rebuilt, with its index (see <see cref="TryGetItemIndex"/>).</remarks>
    public List<TResult> Map<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int? chunksize = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CollectNow<T, TResult>(func, iterable, chunksize, progress, cancellationToken);

    /// <summary>CPython's <c>map</c> with a task that takes a token and stops cooperatively when the call is cancelled.</summary>
    public List<TResult> Map<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int? chunksize = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CollectNow<T, TResult>(func, iterable, chunksize, progress, cancellationToken);

    /// <summary>The asynchronous <c>map</c>: a handle with Get(timeout), Wait, Ready, Successful, and callbacks that have run by the time it is ready.</summary>
    public AsyncResult<List<TResult>> MapAsync<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int? chunksize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        MapCore(func, iterable, chunksize, callback, errorCallback, progress, cancellationToken);

    /// <summary>The asynchronous <c>map</c> with a task that takes a token.</summary>
    public AsyncResult<List<TResult>> MapAsync<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int? chunksize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        MapCore(func, iterable, chunksize, callback, errorCallback, progress, cancellationToken);

    /// <summary>
    /// Results in input order as they become available, reading the input lazily with a bounded read-ahead (CPython's
    /// <c>imap</c>). Enumerate them, or take them one at a time with <see cref="ImapIterator{T}.Next"/> and a timeout.
    /// An exception thrown by the input surfaces where the chunk it interrupted starts, as in CPython: with the default
    /// chunk size of 1, at the very item; the results before it arrive first.
    /// </summary>
    public ImapIterator<TResult> Imap<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate<T, TResult>(func, iterable, chunksize, ordered: true, progress, cancellationToken);

    /// <summary><see cref="Imap{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, IProgress{PoolProgress}?, CancellationToken)"/> with a task that takes a token.</summary>
    public ImapIterator<TResult> Imap<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate<T, TResult>(func, iterable, chunksize, ordered: true, progress, cancellationToken);

    /// <summary>The asynchronous stream form of <c>Imap</c>.</summary>
    public IAsyncEnumerable<TResult> ImapAsync<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StreamAsync<TResult>(Submit(func, iterable, chunksize, lazy: true, cancellationToken, progress), ordered: true, cancellationToken);

    /// <summary>The asynchronous stream form of <c>Imap</c>, with a task that takes a token.</summary>
    public IAsyncEnumerable<TResult> ImapAsync<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StreamAsync<TResult>(Submit(func, iterable, chunksize, lazy: true, cancellationToken, progress), ordered: true, cancellationToken);

    /// <summary>Results in completion order (CPython's <c>imap_unordered</c>).</summary>
    public ImapIterator<TResult> ImapUnordered<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate<T, TResult>(func, iterable, chunksize, ordered: false, progress, cancellationToken);

    /// <summary>Results in completion order, with a task that takes a token.</summary>
    public ImapIterator<TResult> ImapUnordered<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Iterate<T, TResult>(func, iterable, chunksize, ordered: false, progress, cancellationToken);

    /// <summary>The asynchronous stream form of <c>ImapUnordered</c>.</summary>
    public IAsyncEnumerable<TResult> ImapUnorderedAsync<T, TResult>(Func<T, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StreamAsync<TResult>(Submit(func, iterable, chunksize, lazy: true, cancellationToken, progress), ordered: false, cancellationToken);

    /// <summary>The asynchronous stream form of <c>ImapUnordered</c>, with a task that takes a token.</summary>
    public IAsyncEnumerable<TResult> ImapUnorderedAsync<T, TResult>(Func<T, CancellationToken, TResult> func, IEnumerable<T> iterable, int chunksize = 1, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        StreamAsync<TResult>(Submit(func, iterable, chunksize, lazy: true, cancellationToken, progress), ordered: false, cancellationToken);

    /// <summary>Like <c>Map</c>, with each item's values as the arguments (CPython's <c>starmap</c>).</summary>
    public List<TResult> Starmap<T1, T2, TResult>(Func<T1, T2, TResult> func, IEnumerable<(T1, T2)> iterable, int? chunksize = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CollectNow<(T1, T2), TResult>(func, iterable, chunksize, progress, cancellationToken);

    /// <summary>Like <c>Map</c>, with each item's values as the arguments (CPython's <c>starmap</c>).</summary>
    public List<TResult> Starmap<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> func, IEnumerable<(T1, T2, T3)> iterable, int? chunksize = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        CollectNow<(T1, T2, T3), TResult>(func, iterable, chunksize, progress, cancellationToken);

    /// <summary>The asynchronous <c>starmap</c>.</summary>
    public AsyncResult<List<TResult>> StarmapAsync<T1, T2, TResult>(Func<T1, T2, TResult> func, IEnumerable<(T1, T2)> iterable, int? chunksize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        MapCore(func, iterable, chunksize, callback, errorCallback, progress, cancellationToken);

    /// <summary>The asynchronous <c>starmap</c> over three-value items.</summary>
    public AsyncResult<List<TResult>> StarmapAsync<T1, T2, T3, TResult>(Func<T1, T2, T3, TResult> func, IEnumerable<(T1, T2, T3)> iterable, int? chunksize = null,
        Action<List<TResult>>? callback = null, Action<Exception>? errorCallback = null, IProgress<PoolProgress>? progress = null, CancellationToken cancellationToken = default) =>
        MapCore(func, iterable, chunksize, callback, errorCallback, progress, cancellationToken);

    /// <summary>Runs one task and waits for its result (CPython's <c>apply</c>).</summary>
    public TResult Apply<TResult>(Func<TResult> func, CancellationToken cancellationToken = default) =>
        ApplyAsync(func, cancellationToken: cancellationToken).Get(null, cancellationToken);

    /// <summary>Runs one task that takes a token and waits for its result; cancelling the call cancels the token.</summary>
    public TResult Apply<TResult>(Func<CancellationToken, TResult> func, CancellationToken cancellationToken = default) =>
        ApplyAsync(func, cancellationToken: cancellationToken).Get(null, cancellationToken);

    /// <summary>Runs one task with one argument and waits for its result (CPython's <c>apply</c>).</summary>
    /// <exception cref="PayloadSerializationException">The argument cannot travel to a worker (named in the message).</exception>
    public TResult Apply<T1, TResult>(Func<T1, TResult> func, T1 arg, CancellationToken cancellationToken = default) =>
        ApplyAsync(func, arg, cancellationToken: cancellationToken).Get(null, cancellationToken);

    /// <summary>Runs one task with one argument and a token, and waits for its result.</summary>
    public TResult Apply<T1, TResult>(Func<T1, CancellationToken, TResult> func, T1 arg, CancellationToken cancellationToken = default) =>
        ApplyAsync(func, arg, cancellationToken: cancellationToken).Get(null, cancellationToken);

    /// <summary>Runs one task with two arguments and waits for its result (CPython's <c>apply</c>).</summary>
    public TResult Apply<T1, T2, TResult>(Func<T1, T2, TResult> func, T1 arg1, T2 arg2, CancellationToken cancellationToken = default) =>
        ApplyAsync(func, arg1, arg2, cancellationToken: cancellationToken).Get(null, cancellationToken);

    /// <summary>Runs one task without waiting (CPython's <c>apply_async</c>).</summary>
    public AsyncResult<TResult> ApplyAsync<TResult>(Func<TResult> func, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default) =>
        new(Single<int, TResult>(func, 0, cancellationToken), callback, errorCallback);

    /// <summary>Runs one task that takes a token without waiting.</summary>
    public AsyncResult<TResult> ApplyAsync<TResult>(Func<CancellationToken, TResult> func, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default) =>
        new(Single<int, TResult>(func, 0, cancellationToken), callback, errorCallback);

    /// <summary>Runs one task with one argument without waiting (CPython's <c>apply_async</c>).</summary>
    /// <exception cref="PayloadSerializationException">The argument cannot travel to a worker (named in the message).</exception>
    public AsyncResult<TResult> ApplyAsync<T1, TResult>(Func<T1, TResult> func, T1 arg, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        CheckArgument(func, 0, arg);
        return new(Single<T1, TResult>(func, arg, cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs one task with one argument and a token without waiting.</summary>
    public AsyncResult<TResult> ApplyAsync<T1, TResult>(Func<T1, CancellationToken, TResult> func, T1 arg, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        CheckArgument(func, 0, arg);
        return new(Single<T1, TResult>(func, arg, cancellationToken), callback, errorCallback);
    }

    /// <summary>Runs one task with two arguments without waiting (CPython's <c>apply_async</c>).</summary>
    public AsyncResult<TResult> ApplyAsync<T1, T2, TResult>(Func<T1, T2, TResult> func, T1 arg1, T2 arg2, Action<TResult>? callback = null, Action<Exception>? errorCallback = null, CancellationToken cancellationToken = default)
    {
        CheckArgument(func, 0, arg1);
        CheckArgument(func, 1, arg2);
        return new(Single<(T1, T2), TResult>(func, (arg1, arg2), cancellationToken), callback, errorCallback);
    }

    private AsyncResult<List<TResult>> MapCore<TItem, TResult>(Delegate func, IEnumerable<TItem> iterable, int? chunksize, Action<List<TResult>>? callback, Action<Exception>? errorCallback,
        IProgress<PoolProgress>? progress, CancellationToken cancellationToken) =>
        new(Collect<TItem, TResult>(func, iterable, chunksize, progress, cancellationToken), callback, errorCallback);

    private ImapIterator<TResult> Iterate<TItem, TResult>(Delegate func, IEnumerable<TItem> iterable, int chunksize, bool ordered, IProgress<PoolProgress>? progress, CancellationToken cancellationToken) =>
        new(new ResultStream<TResult>(Submit(func, iterable, chunksize, lazy: true, cancellationToken, progress), ordered), _scheduler.Pump);

    /// <summary>One task whose outcome completes the returned task directly (see <see cref="SingleOutcome{TResult}"/>).</summary>
    private Task<TResult> Single<TItem, TResult>(Delegate func, TItem item, CancellationToken cancellationToken)
    {
        var outcome = new SingleOutcome<TResult>();
        Submit(func, [item], 1, lazy: false, cancellationToken, null, outcome, argumentsChecked: true);
        return outcome.Task;
    }
}
