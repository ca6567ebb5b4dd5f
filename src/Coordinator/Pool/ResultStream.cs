namespace Actors.Coordination.Pooling;

/// <summary>
/// The outcomes of a lazy call, one item at a time, in the order promised: input order, or as they complete. Shared by
/// <see cref="ImapIterator{T}"/> and the asynchronous streams. A batch counts as read (which gives the call's read-ahead
/// window room) once the caller has taken all of it; ordered results that arrive early wait here for their turn.
/// Disposing it tells the call its caller has left.
/// </summary>
internal sealed class ResultStream<TResult>(PoolJob job, bool ordered) : IDisposable
{
    private readonly Dictionary<int, Batch> _early = [];
    private Batch? _current;
    private int _offset;
    private int _next;

    /// <summary>Takes the next outcome if it is here already: a value, or the item's failure in <paramref name="error"/>.</summary>
    public bool TryTake(out TResult value, out Exception? error)
    {
        while (true)
        {
            if (_current is { } batch && _offset < batch.Count)
            {
                int offset = _offset++;
                if (_offset == batch.Count)
                {
                    job.Consumed(batch.Count);
                }
                error = batch.FailureAt(offset);
                value = error is not null ? default! : batch.Results is TResult[] typed ? typed[offset] : (TResult)batch.Results.GetValue(offset)!;
                return true;
            }
            _current = null;
            _offset = 0;
            if (ordered && _early.Remove(_next, out Batch? due))
            {
                _current = due;
                _next += due.Count;
                continue;
            }
            if (!job.Outcomes.TryRead(out Batch? arrived))
            {
                value = default!;
                error = null;
                return false;
            }
            if (ordered)
            {
                _early[arrived.Start] = arrived;
            }
            else
            {
                _current = arrived;
            }
        }
    }

    /// <summary>
    /// Whether every outcome is in the channel already, which is known as soon as the last one is written; the
    /// channel's completion follows a moment later. Read it before <see cref="TryTake"/>: if it was true and nothing
    /// could be taken, nothing is left, and a caller with no time to wait is told the end rather than "wait".
    /// </summary>
    public bool AllRecorded => job.AllRecorded;

    /// <summary>
    /// Waits for more outcomes: false once the call has ended and all were taken; throws the call's own end when it was
    /// stopped (cancelled, failed fast, the pool terminated).
    /// </summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => job.Outcomes.WaitToReadAsync(cancellationToken);

    public void Dispose() => job.Dispose();
}
