using System.Runtime.CompilerServices;
using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Queue</c>: a FIFO that every process of the program puts to and gets from (pass it to
/// a Pool task or a child process). Items from one producer keep their order. An item is serialized in <c>Put</c>
/// itself, so one that cannot travel fails there, naming what cannot, and the queue is untouched.
/// <para>
/// On one machine the items go through a ring in shared memory (<see cref="DefaultBufferSize"/> bytes by default),
/// not through a pipe and a feeder thread as in CPython: when <c>Put</c> returns, the item is in the queue, so there
/// is no <c>JoinThread</c>/<c>CancelJoinThread</c> and nothing is lost when a process exits right after a put. An
/// unbounded queue's <c>Put</c> waits when its buffer is full of unread items (CPython's would grow the producer's
/// memory instead). A process killed in the middle of a put or a get leaves the queue whole: its item is either in
/// the queue or not, never half.
/// </para>
/// </summary>
/// <typeparam name="T">The items' type; the app's own types travel with no configuration.</typeparam>
public class ProcessQueue<T> : IProcessShared<ProcessQueue<T>>, IDisposable
{
    /// <summary>The buffer of a queue made without one: room for many small items, or several of 1 MiB.</summary>
    public const int DefaultBufferSize = 4 << 20;

    private const int MaxSizeField = 0;
    private const int UnfinishedField = 4;
    private const int JoinableField = 8;
    private const int RingOffset = 64;

    private readonly bool _created;
    private bool _closed;

    /// <summary>Creates a queue that holds at most <paramref name="maxsize"/> items (0: no limit but its buffer).</summary>
    /// <param name="maxsize">CPython's <c>maxsize</c>; 0 or less means unbounded.</param>
    /// <param name="bufferSize">Bytes of shared memory for items in flight; an item bigger than half of it goes in parts.</param>
    public ProcessQueue(int maxsize = 0, int bufferSize = DefaultBufferSize) : this(maxsize, bufferSize, joinable: false) { }

    private protected ProcessQueue(int maxsize, int bufferSize, bool joinable)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 4096, nameof(bufferSize));
        bufferSize = (bufferSize + 7) & ~7;
        SharedPayloads.Trust(typeof(T));
        Block = SharedBlock.Create(SharedKind.Queue, RingOffset + Ring.HeaderSize + bufferSize);
        Block.Field<int>(MaxSizeField) = maxsize <= 0 ? int.MaxValue : maxsize;
        Block.Field<int>(JoinableField) = joinable ? 1 : 0;
        Ring.Init(Block, RingOffset, bufferSize);
        Ring = new Ring(Block, RingOffset);
        _created = true;
    }

    private protected ProcessQueue(string handle, bool joinable)
    {
        Block = SharedBlock.Attach(handle, SharedKind.Queue);
        if ((Block.Field<int>(JoinableField) == 1) != joinable)
        {
            throw new ArgumentException(joinable ? "the handle is of a queue that is not joinable" : "the handle is of a joinable queue");
        }
        SharedPayloads.Trust(typeof(T));
        Ring = new Ring(Block, RingOffset);
    }

    private protected SharedBlock Block { get; }

    /// <summary>The monitor a put pulses (for a wait on this and other shared objects at once).</summary>
    internal SharedMonitor Monitor => Block.Monitor;

    private protected Ring Ring { get; }

    private protected ref int Unfinished => ref Block.Field<int>(UnfinishedField);

    string IProcessShared.Handle => Block.Path;

    static ProcessQueue<T> IProcessShared<ProcessQueue<T>>.Attach(string handle) => new(handle, joinable: false);

    /// <summary>The most items it holds (int.MaxValue: unbounded).</summary>
    public int MaxSize => Block.Field<int>(MaxSizeField);

    /// <summary>Puts an item, waiting as long as it takes for room.</summary>
    /// <exception cref="PayloadSerializationException">The item cannot travel between processes.</exception>
    /// <exception cref="InvalidOperationException">This process closed the queue.</exception>
    public void Put(T item) => Put(item, Timeout.InfiniteTimeSpan);

    /// <summary>Puts an item, waiting at most <paramref name="timeout"/> for room.</summary>
    /// <exception cref="TimeoutException">The queue stayed full (CPython's <c>queue.Full</c>); the wait is never shorter.</exception>
    public void Put(T item, TimeSpan timeout)
    {
        if (!TryPut(item, timeout))
        {
            throw new TimeoutException(timeout == TimeSpan.Zero ? "the queue is full" : $"the queue stayed full for {timeout.TotalMilliseconds:0.###} ms");
        }
    }

    /// <summary>Puts an item if there is room now (CPython's <c>put_nowait</c>, with false for <c>queue.Full</c>).</summary>
    public bool TryPut(T item) => TryPut(item, TimeSpan.Zero);

    /// <summary>Puts an item, waiting at most <paramref name="timeout"/>; false if the queue stayed full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryPut(T item, TimeSpan timeout)
    {
        long deadline = Posix.Deadline(timeout);
        ThrowIfClosed();
        ReadOnlySpan<byte> bytes = SharedPayloads.Encode(item, typeof(T));
        OnPutting();
        Ring.Outcome outcome = Ring.Write(bytes, deadline, MaxSize);
        if (outcome != Ring.Outcome.Done)
        {
            OnPutFailed();
            return false;
        }
        return true;
    }

    /// <summary>Takes the next item, waiting as long as it takes.</summary>
    public T Get() => Get(Timeout.InfiniteTimeSpan);

    /// <summary>Takes the next item, waiting at most <paramref name="timeout"/>.</summary>
    /// <exception cref="TimeoutException">The queue stayed empty (CPython's <c>queue.Empty</c>); the wait is never shorter.</exception>
    public T Get(TimeSpan timeout) => TryGet(timeout, out T item)
        ? item
        : throw new TimeoutException(timeout == TimeSpan.Zero ? "the queue is empty" : $"the queue stayed empty for {timeout.TotalMilliseconds:0.###} ms");

    /// <summary>Takes an item if one is there (CPython's <c>get_nowait</c>, with false for <c>queue.Empty</c>).</summary>
    public bool TryGet(out T item) => TryGet(TimeSpan.Zero, out item);

    /// <summary>Takes the next item, waiting at most <paramref name="timeout"/>; false if none came.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(TimeSpan timeout, out T item)
    {
        long deadline = Posix.Deadline(timeout);
        ThrowIfClosed();
        byte[] scratch = SharedPayloads.Scratch;
        byte[]? payload = Ring.Read(deadline, out _, out int length, null, scratch);
        if (payload is null)
        {
            item = default!;
            return false;
        }
        item = (T)SharedPayloads.Decode(payload.AsSpan(0, length), typeof(T))!;
        return true;
    }

    /// <summary>Takes the next item; while the queue is empty no thread of the caller's is held (one thread per process sleeps for every such wait).</summary>
    public async Task<T> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryGet(out T item))
            {
                return item;
            }
            await AsyncWaits.WhenReady(Block.Monitor, () => !Empty(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Puts an item; while the queue is full no thread of the caller's is held.</summary>
    public async Task PutAsync(T item, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryPut(item))
            {
                return;
            }
            int items = Qsize();
            await AsyncWaits.WhenReady(Block.Monitor, () => Qsize() < items || Empty(), cancellationToken).ConfigureAwait(false); // someone took one
        }
    }

    /// <summary>About how many items it holds (others may put and get meanwhile, as in CPython).</summary>
    public int Qsize() => Volatile.Read(ref Ring.Items);

    /// <summary>Whether it holds no item now.</summary>
    public bool Empty() => !Ring.HasData;

    /// <summary>Whether it holds <see cref="MaxSize"/> items now.</summary>
    public bool Full() => Qsize() >= MaxSize;

    /// <summary>This process will use the queue no more: later puts and gets here throw. Other processes are not affected.</summary>
    public void Close() => _closed = true;

    /// <summary>In the process that created it, removes its shared memory: processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        _closed = true;
        if (_created)
        {
            Block.Unlink();
        }
        GC.SuppressFinalize(this);
    }

    private protected virtual void OnPutting()
    {
    }

    private protected virtual void OnPutFailed()
    {
    }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new InvalidOperationException("Queue is closed in this process");
        }
    }
}

/// <summary>
/// CPython's <c>multiprocessing.SimpleQueue</c>: the same shared queue, kept for code that names it.
/// </summary>
public sealed class SimpleProcessQueue<T> : ProcessQueue<T>, IProcessShared<SimpleProcessQueue<T>>
{
    /// <summary>Creates an unbounded queue.</summary>
    public SimpleProcessQueue() : base(0, DefaultBufferSize, joinable: false) { }

    private SimpleProcessQueue(string handle) : base(handle, joinable: false) { }

    static SimpleProcessQueue<T> IProcessShared<SimpleProcessQueue<T>>.Attach(string handle) => new(handle);
}
