using System.Collections;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Actors.Coordination.Pooling;

namespace Actors;

/// <summary>
/// The results of <see cref="Pool.Imap{T, TResult}(Func{T, TResult}, IEnumerable{T}, int, IProgress{PoolProgress}?, CancellationToken)"/>
/// or <c>ImapUnordered</c> (CPython's <c>IMapIterator</c>). Enumerate it, or take one result at a time with
/// <see cref="Next"/> or <see cref="TryNext"/>, which can give up after a timeout and be called again. A failed item throws
/// its exception where it stands; with <c>Next</c> the results after it can still be taken, as in CPython. Single pass,
/// one reader at a time: enumerating and <c>Next</c> share one position. Disposing it, as a <c>foreach</c> that breaks
/// does, tells the call nobody reads further: it reads no more input.
/// </summary>
public sealed class ImapIterator<T> : IEnumerable<T>, IDisposable
{
    private readonly ResultStream<T> _stream;
    private readonly Action _pump;
    private Task<bool>? _waiting; // a wait that a timed-out call left: the next call goes on with it
    private bool _ended;
    private int _enumerated;

    internal ImapIterator(ResultStream<T> stream, Action pump)
    {
        _stream = stream;
        _pump = pump;
    }

    /// <summary>The next result, waiting at most <paramref name="timeout"/> (CPython's <c>next(timeout)</c>).</summary>
    /// <exception cref="TimeoutException">No result within the timeout (CPython's TimeoutError); the call goes on, and so can the caller.</exception>
    /// <exception cref="InvalidOperationException">Every result has been taken (CPython's StopIteration).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <remarks>A failed item throws its own exception, with its index in <c>Data[Pool.ItemIndexKey]</c>.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the call goes on, and Next can be called again.</exception>
    public T Next(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        TryNext(out T value, timeout, cancellationToken) ? value : throw new InvalidOperationException("No results are left: every result of this call has been taken.");

    /// <summary>Takes the next result, waiting at most <paramref name="timeout"/>; false once every result has been taken.</summary>
    /// <exception cref="TimeoutException">No result within the timeout; the call goes on, and so can the caller.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the call goes on.</exception>
    public bool TryNext(out T value, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (timeout is { } given && given < TimeSpan.Zero && given != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), given, "A timeout cannot be negative.");
        }
        TimeSpan wait = Timeouts.Waitable(timeout);
        long deadline = wait == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (!_ended)
        {
            bool allRecorded = _stream.AllRecorded;
            if (_stream.TryTake(out value, out Exception? error))
            {
                if (error is not null)
                {
                    ExceptionDispatchInfo.Throw(error);
                }
                return true;
            }
            _pump();
            if (allRecorded || !More(deadline, timeout, cancellationToken))
            {
                _ended = true;
                _stream.Dispose();
            }
        }
        value = default!;
        return false;
    }

    /// <summary>Waits until more results are here (true) or the call has ended (false) by <paramref name="deadline"/>.</summary>
    private bool More(long deadline, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        Task<bool>? waiting = _waiting;
        if (waiting is null)
        {
            ValueTask<bool> wait = _stream.WaitAsync(CancellationToken.None);
            if (wait.IsCompletedSuccessfully)
            {
                return wait.Result;
            }
            waiting = wait.AsTask();
        }
        long left = deadline == long.MaxValue ? -1 : Math.Max(0, (long)((deadline - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency));
        bool done;
        try
        {
            done = waiting.Wait(left == -1 ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _waiting = waiting; // the next call goes on with this wait
            throw;
        }
        catch (AggregateException)
        {
            done = true; // the call was stopped: GetResult below throws its reason as it is
        }
        if (!done)
        {
            _waiting = waiting;
            throw new TimeoutException($"No result arrived within {timeout}; the call goes on, and Next can be called again.");
        }
        _waiting = null;
        return waiting.GetAwaiter().GetResult(); // a stopped call (cancelled, the pool terminated) throws its reason here
    }

    /// <summary>Enumerates the results not taken yet (by <see cref="Next"/>); a failed item throws its exception.</summary>
    /// <exception cref="InvalidOperationException">It was enumerated before: its results are read once (keep them with <c>ToList</c> to read them twice).</exception>
    public IEnumerator<T> GetEnumerator()
    {
        if (Interlocked.Exchange(ref _enumerated, 1) == 1)
        {
            throw new InvalidOperationException("These imap results were enumerated before; like CPython's iterator they are read once. Keep them in a list (ToList) to read them twice.");
        }
        return Enumerate();
    }

    private IEnumerator<T> Enumerate()
    {
        try
        {
            while (TryNext(out T value))
            {
                yield return value;
            }
        }
        finally
        {
            Dispose();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Tells the call nobody reads its results any further: it reads no more input.</summary>
    public void Dispose() => _stream.Dispose();
}
