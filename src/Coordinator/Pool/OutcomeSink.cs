using System.Runtime.InteropServices;

namespace Actors.Coordination.Pooling;

/// <summary>
/// Takes a call's outcomes in place of its channel: each batch as it is recorded, then the end. It runs on the thread
/// that records them (the lane's reader or the pool's scheduler) under the job's lock, so it must not block. A one-item
/// call (apply) and an eager call (map) take theirs this way: their caller is woken once, when the call ends, instead
/// of a thread-pool thread waking for every chunk to read the channel (measured on a 2,000-item map of 34 ms of work:
/// about 20 such wakes, each followed by that thread's spin before it sleeps, on the cores the workers need).
/// </summary>
internal interface IOutcomeSink
{
    void Add(Batch batch);

    /// <summary>The call ended: <paramref name="stopped"/> is null when every item has its outcome, else why it stopped.</summary>
    void End(Exception? stopped);
}

/// <summary>A one-item call's outcome, straight into its task.</summary>
internal sealed class SingleOutcome<TResult> : IOutcomeSink
{
    private readonly TaskCompletionSource<TResult> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => _outcome.Task;

    public void Add(Batch batch)
    {
        if (batch.FailureAt(0) is { } error)
        {
            _outcome.TrySetException(error);
        }
        else
        {
            _outcome.TrySetResult((TResult)batch.Results.GetValue(0)!);
        }
    }

    public void End(Exception? stopped)
    {
        if (stopped is not null)
        {
            _outcome.TrySetException(stopped);
        }
    }
}

/// <summary>
/// An eager call's results in input order, written straight into the list's own array as batches arrive (a million
/// results are not copied twice). As in CPython, the first failure (in completion order) is thrown after every item
/// finished.
/// </summary>
internal sealed class CollectedOutcomes<TResult>(int? count) : IOutcomeSink
{
    private readonly List<TResult> _results = new(count ?? 16);
    private readonly TaskCompletionSource<List<TResult>> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _first;

    public Task<List<TResult>> Task => _outcome.Task;

    public void Add(Batch batch)
    {
        int end = batch.Start + batch.Count;
        if (end > _results.Count)
        {
            _results.EnsureCapacity(end);
            CollectionsMarshal.SetCount(_results, end);
        }
        Span<TResult> slots = CollectionsMarshal.AsSpan(_results).Slice(batch.Start, batch.Count);
        if (batch.Results is TResult[] typed && batch.FailedOffsets.Length == 0)
        {
            typed.AsSpan(0, batch.Count).CopyTo(slots);
            return;
        }
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.FailureAt(i) is { } error)
            {
                _first ??= error;
            }
            else
            {
                slots[i] = (TResult)batch.Results.GetValue(i)!;
            }
        }
    }

    public void End(Exception? stopped)
    {
        if ((stopped ?? _first) is { } error)
        {
            _outcome.TrySetException(error);
        }
        else
        {
            _outcome.TrySetResult(_results);
        }
    }
}
