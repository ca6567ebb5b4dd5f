using Actors.Runtime.Tasks;
using System.Diagnostics;
using System.Threading.Channels;

namespace Actors.Coordination.Pooling;

/// <summary>
/// The outcomes of consecutive items from <paramref name="Start"/>: <paramref name="Results"/> holds one
/// value per item (a typed array when it could travel as one), <paramref name="FailedOffsets"/> the items
/// that failed, with <paramref name="Failures"/>. Results move a chunk at a time, not an item at a time.
/// </summary>
internal sealed record Batch(int Start, int Count, Array Results, int[] FailedOffsets, Exception[] Failures)
{
    public Exception? FailureAt(int offset)
    {
        int i = Array.IndexOf(FailedOffsets, offset);
        return i < 0 ? null : Failures[i];
    }
}

/// <summary>A slice of a job's input on its way to a worker.</summary>
internal sealed class Chunk(PoolJob job, int index, int start, Array items)
{
    public PoolJob Job => job;

    public int Index => index;

    public int Start => start;

    public Array Items => items;

    /// <summary>How many workers died while running it.</summary>
    public int Attempts { get; set; }

    /// <summary>The items from <paramref name="offset"/> on (given back unstarted by a worker), in chunks of <paramref name="size"/>.</summary>
    public IEnumerable<Chunk> Rest(int offset, int size)
    {
        for (int from = offset; from < items.Length; from += size)
        {
            Array part = Array.CreateInstance(items.GetType().GetElementType()!, Math.Min(size, items.Length - from));
            Array.Copy(items, from, part, 0, part.Length);
            yield return new Chunk(job, index, start + from, part) { Attempts = Attempts };
        }
    }

    /// <summary>Splits into chunks of one item each, keeping the attempt count: a poison item is then isolated.</summary>
    public IEnumerable<Chunk> Singles()
    {
        for (int i = 0; i < items.Length; i++)
        {
            Array single = Array.CreateInstance(items.GetType().GetElementType()!, 1);
            single.SetValue(items.GetValue(i), 0);
            yield return new Chunk(job, index, start + i, single) { Attempts = Attempts };
        }
    }
}

/// <summary>
/// One map-like call: reads its input lazily in chunks, collects outcomes (each item exactly once),
/// and hands them to its consumer through a channel. The scheduler takes chunks only while fewer than
/// <see cref="Window"/> items are in flight or unconsumed, so an endless input is read only as far as needed.
/// </summary>
internal abstract class PoolJob : IDisposable
{
    private readonly Channel<Batch> _outcomes = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleWriter = false, SingleReader = true });
    private readonly object _lock = new();
    private ulong[] _done = []; // one bit per item recorded, set and tested 64 at a time
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly IProgress<PoolProgress>? _progress;
    private long _lastProgress;
    private int _consumed;
    private volatile bool _windowOpen;

    protected PoolJob(long id, TaskFunction function, bool cancellable, int window, bool failFast, IProgress<PoolProgress>? progress, CancellationToken cancellationToken)
    {
        Id = id;
        Function = function;
        Cancellable = cancellable;
        Window = window;
        FailFast = failFast;
        _progress = progress;
        CancellationToken = cancellationToken;
    }

    public long Id { get; }

    public TaskFunction Function { get; }

    /// <summary>The app assemblies the call names; each worker is told to trust them before its first chunk of the call.</summary>
    public TrustAssemblies Trust { get; init; } = new([], []);

    public bool Cancellable { get; }

    /// <summary>Items the call may have in flight or unread by its caller; <see cref="int.MaxValue"/> for an eager call.</summary>
    public int Window { get; }

    public bool FailFast { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Takes the outcomes in place of <see cref="Outcomes"/> (see <see cref="IOutcomeSink"/>); null for a lazy call.</summary>
    public IOutcomeSink? Sink { get; protected init; }

    public ChannelReader<Batch> Outcomes => _outcomes.Reader;

    /// <summary>Items taken from the input so far.</summary>
    public int Taken { get; protected set; }

    /// <summary>The input's length when known in advance.</summary>
    public int? Total { get; protected set; }

    public bool InputDone { get; protected set; }

    /// <summary>Set once: cancelled, failed fast, or the pool terminated. No more chunks are taken.</summary>
    public Exception? Stopped { get; private set; }

    public int Completed { get; private set; }

    public int Failed { get; private set; }

    public bool CanTake => Stopped is null && !InputDone && Room > 0;

    /// <summary>Every item's outcome has been handed to the channel; its completion may follow a moment later.</summary>
    public bool AllRecorded
    {
        get
        {
            lock (_lock)
            {
                return Stopped is null && InputDone && Completed + Failed == Taken;
            }
        }
    }

    /// <summary>How many more items the read-ahead window lets the job take now.</summary>
    public int Room => Window == int.MaxValue || _windowOpen ? int.MaxValue : Window - (Taken - Volatile.Read(ref _consumed));

    /// <summary>
    /// While the pool is joined, a lazy call reads on without waiting for its caller to take results, as CPython's
    /// <c>join</c> waits for every task whether its result was read or not; the results wait for the caller.
    /// </summary>
    public void OpenWindow(bool open) => _windowOpen = open;

    /// <summary>Held while the input is read, which may block; never taken under the scheduler's lock.</summary>
    public object InputLock { get; } = new();

    /// <summary>Chunks read from the input and not sent yet (touched under the scheduler's lock).</summary>
    public Queue<Chunk> Ready { get; } = new();

    /// <summary>
    /// Whether the input is an enumerable of unknown length, whose next item may take any time to come (a
    /// generator over a socket, say): it is then read on a thread-pool thread of its own, never on the thread
    /// of a consumer or of a reply.
    /// </summary>
    public bool ReadInBackground { get; protected init; }

    private int _feeding; // 1 while a background read of the input is under way

    /// <summary>Claims the background read of the input; false if one is under way already.</summary>
    public bool TryStartFeeding() => Interlocked.CompareExchange(ref _feeding, 1, 0) == 0;

    public void EndFeeding() => Volatile.Write(ref _feeding, 0);

    /// <summary>The chunk size the call asked for, or CPython's default.</summary>
    public abstract int Chunksize { get; }

    /// <summary>Whether the call chose the chunk size (the pool then never sends less).</summary>
    public abstract bool ChunksizeGiven { get; }

    /// <summary>How long one item takes on a worker, averaged over recent chunks; NaN until a chunk has come back.</summary>
    public double MicrosecondsPerItem { get; private set; } = double.NaN;

    /// <summary>The next chunk of input (<paramref name="count"/> items, default <see cref="Chunksize"/>), or null when the
    /// input is exhausted or has failed (its failure is then an outcome).</summary>
    public abstract Chunk? TakeChunk(int chunkIndex, int? count = null);

    /// <summary>The caller has left: no more input is read, and the input is disposed (once no thread is reading it).</summary>
    public abstract void Dispose();

    /// <summary>Records how long a chunk of <paramref name="items"/> items ran on its worker.</summary>
    public void ObserveRunTime(int items, double microseconds)
    {
        if (items <= 0)
        {
            return;
        }
        lock (_lock)
        {
            double perItem = microseconds / items;
            MicrosecondsPerItem = double.IsNaN(MicrosecondsPerItem) ? perItem : (0.7 * MicrosecondsPerItem) + (0.3 * perItem);
        }
    }

    public void Consumed(int count) => Interlocked.Add(ref _consumed, count);

    /// <summary>Records a chunk's results; items already done are ignored (no result is ever delivered twice).</summary>
    /// <summary>Records the results of the first <paramref name="count"/> items of a chunk.</summary>
    public void Complete(Chunk chunk, int count, Array results, int[] failedOffsets, Exception[] failures) =>
        Record(new Batch(chunk.Start, count, results, failedOffsets, failures));

    public void FailItems(Chunk chunk, Func<int, Exception> failure)
    {
        int count = chunk.Items.Length;
        Record(new Batch(chunk.Start, count, new object?[count], [.. Enumerable.Range(0, count)], [.. Enumerable.Range(0, count).Select(i => failure(chunk.Start + i))]));
    }

    /// <summary>Records one item's failure (the input itself failed there).</summary>
    public void FailItem(int index, Exception error) => Record(new Batch(index, 1, new object?[1], [0], [error]));

    private void Record(Batch batch)
    {
        lock (_lock)
        {
            if (Stopped is not null)
            {
                return;
            }
            int end = batch.Start + batch.Count;
            if (end > _done.Length * 64)
            {
                Array.Resize(ref _done, Math.Max((end + 63) / 64, _done.Length * 2));
            }
            if (AnyDone(batch.Start, end))
            {
                // Part of it ran twice (a retry after a lost reply): pass on only the items not yet done.
                for (int i = 0; i < batch.Count; i++)
                {
                    if ((_done[(batch.Start + i) / 64] & (1UL << ((batch.Start + i) % 64))) == 0)
                    {
                        Exception? error = batch.FailureAt(i);
                        Record(new Batch(batch.Start + i, 1, new[] { error is null ? batch.Results.GetValue(i) : null }, error is null ? [] : [0], error is null ? [] : [error]));
                    }
                }
                return;
            }
            ForEachWord(batch.Start, end, (ref ulong word, ulong mask) => word |= mask);
            for (int i = 0; i < batch.FailedOffsets.Length; i++)
            {
                batch.Failures[i].Data[Actors.Pool.ItemIndexKey] = batch.Start + batch.FailedOffsets[i];
            }
            Failed += batch.FailedOffsets.Length;
            Completed += batch.Count - batch.FailedOffsets.Length;
            if (Sink is { } sink)
            {
                sink.Add(batch);
            }
            else
            {
                _outcomes.Writer.TryWrite(batch);
            }
            ReportProgress(force: false);
            if (batch.FailedOffsets.Length > 0 && FailFast)
            {
                StopLocked(batch.Failures[0]);
            }
            else if (InputDone && Completed + Failed == Taken)
            {
                ReportProgress(force: true);
                Finish(null);
            }
        }
    }

    private bool AnyDone(int start, int end)
    {
        bool any = false;
        ForEachWord(start, end, (ref ulong word, ulong mask) => any |= (word & mask) != 0);
        return any;
    }

    private delegate void WordAction(ref ulong word, ulong mask);

    /// <summary>Calls <paramref name="action"/> with each word of <see cref="_done"/> that holds items [start, end), and the mask of those items in it.</summary>
    private void ForEachWord(int start, int end, WordAction action)
    {
        for (int i = start; i < end;)
        {
            int bit = i % 64;
            int take = Math.Min(64 - bit, end - i);
            ulong mask = take == 64 ? ulong.MaxValue : ((1UL << take) - 1) << bit;
            action(ref _done[i / 64], mask);
            i += take;
        }
    }

    /// <summary>Marks the input as finished; completes the job if every taken item is done.</summary>
    public void EndInput()
    {
        lock (_lock)
        {
            InputDone = true;
            Total ??= Taken;
            if (Completed + Failed == Taken)
            {
                ReportProgress(force: true);
                Finish(null);
            }
        }
    }

    /// <summary>Stops the job: no more chunks, and the consumer sees <paramref name="reason"/> after what it already has.</summary>
    public void Stop(Exception reason)
    {
        lock (_lock)
        {
            StopLocked(reason);
        }
    }

    private void StopLocked(Exception reason)
    {
        if (Stopped is not null)
        {
            return;
        }
        Stopped = reason;
        Finish(reason);
    }

    /// <summary>Ends the call's outcomes: with every item's (<paramref name="stopped"/> null), or where it stopped.</summary>
    private void Finish(Exception? stopped)
    {
        Sink?.End(stopped);
        _outcomes.Writer.TryComplete(stopped);
    }

    private void ReportProgress(bool force)
    {
        if (_progress is null)
        {
            return;
        }
        long now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastProgress < 100)
        {
            return;
        }
        _lastProgress = now;
        int done = Completed + Failed;
        double rate = now > 0 ? done / (now / 1000.0) : 0;
        TimeSpan? eta = Total is { } total && rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : null;
        try
        {
            _progress.Report(new PoolProgress(Completed, Failed, Total, rate, eta, _clock.Elapsed));
        }
        catch (Exception ex)
        {
            StopLocked(ex); // the caller's own reporter failed: the call ends with its exception rather than hang
        }
    }
}

/// <summary>A job over an <see cref="IEnumerable{T}"/> whose items travel as <c>T[]</c> chunks.</summary>
internal sealed class PoolJob<TItem> : PoolJob
{
    private readonly IEnumerator<TItem> _input;
    private volatile bool _abandoned;
    private readonly TItem[]? _array; // an array or a list is copied a slice at a time, not an item at a time
    private readonly List<TItem>? _list;
    private readonly int _chunksize;

    public PoolJob(long id, TaskFunction function, bool cancellable, IEnumerable<TItem> input, int chunksize, bool chunksizeGiven, int window, bool failFast, IProgress<PoolProgress>? progress, CancellationToken cancellationToken,
        IOutcomeSink? sink = null)
        : base(id, function, cancellable, window, failFast, progress, cancellationToken)
    {
        _chunksize = chunksize;
        ChunksizeGiven = chunksizeGiven;
        Sink = sink;
        Total = input is ICollection<TItem> c ? c.Count : input is IReadOnlyCollection<TItem> r ? r.Count : null;
        ReadInBackground = Total is null;
        _input = input.GetEnumerator();
        _array = input as TItem[];
        _list = input as List<TItem>;
    }

    public override int Chunksize => _chunksize;

    public override bool ChunksizeGiven { get; }

    public override Chunk? TakeChunk(int chunkIndex, int? count = null)
    {
        int size = count ?? _chunksize;
        if (_array is not null || _list is not null)
        {
            return TakeSlice(chunkIndex, size);
        }
        var items = new List<TItem>(size);
        int start = Taken;
        try
        {
            while (items.Count < size && !_abandoned && _input.MoveNext())
            {
                items.Add(_input.Current);
            }
        }
        catch (Exception ex)
        {
            // The input itself failed. As in CPython, the chunk it was building fails as a whole, at its first index
            // (with a chunk size of 1, at the very item): the items read into that chunk are dropped.
            int failed = start + items.Count;
            int surfaceAt = Math.Max(start, failed - (failed % _chunksize));
            items.RemoveRange(surfaceAt - start, failed - surfaceAt);
            Taken = surfaceAt + 1;
            InputDone = true;
            Total = Taken;
            ex.Data[Actors.Pool.InputFailedKey] = true;
            FailItem(surfaceAt, ex);
            return items.Count == 0 ? null : new Chunk(this, chunkIndex, start, items.ToArray());
        }
        finally
        {
            if (_abandoned)
            {
                _input.Dispose(); // the consumer left while this thread was reading (see Dispose)
            }
        }
        Taken = start + items.Count;
        if (items.Count < size || Taken == Total)
        {
            EndInput(); // known length: the job completes with its last result, not a scheduling round later
        }
        return items.Count == 0 ? null : new Chunk(this, chunkIndex, start, items.ToArray());
    }

    private Chunk? TakeSlice(int chunkIndex, int size)
    {
        ReadOnlySpan<TItem> source = _array ?? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_list);
        int start = Taken;
        int n = Math.Clamp(source.Length - start, 0, size);
        TItem[] slice = source.Slice(start, n).ToArray();
        Taken = start + n;
        if (n < size || Taken >= source.Length)
        {
            EndInput();
        }
        return n == 0 ? null : new Chunk(this, chunkIndex, start, slice);
    }

    /// <summary>
    /// The consumer is done with the call. The input is disposed here, or, if a thread is reading it just now (a
    /// background read waiting on a slow source), by that thread once its read returns: an enumerator is not
    /// disposed under a reader, and the consumer does not wait for the source.
    /// </summary>
    public override void Dispose()
    {
        _abandoned = true;
        if (Monitor.TryEnter(InputLock))
        {
            try
            {
                _input.Dispose();
            }
            finally
            {
                Monitor.Exit(InputLock);
            }
        }
    }
}
