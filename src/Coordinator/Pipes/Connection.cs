using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// One end of a pipe (CPython's <c>multiprocessing.connection.Connection</c>), made in pairs by <see cref="Pipe"/>.
/// Objects go with <see cref="Send"/>/<see cref="Recv{T}"/>, raw messages with <see cref="SendBytes(ReadOnlySpan{byte})"/>/
/// <see cref="RecvBytes"/>; message boundaries are kept and an empty message arrives empty. <see cref="RecvAsync{T}"/>,
/// <see cref="RecvBytesAsync"/> and <see cref="PollAsync"/> wait without holding a thread. The two ends talk through
/// rings in shared memory, directly, never through the coordinator. Pass an end to a child process or a Pool task and
/// it works there; once every process that held the other end has closed it or exited (even killed with SIGKILL,
/// noticed within 100 ms), <c>Recv</c> throws <see cref="EndOfStreamException"/> (CPython's EOFError) and
/// <c>Send</c> throws <see cref="IOException"/> (BrokenPipeError).
/// <para>
/// An end passed to another process counts as open from the moment it is sent until that process has received it, so
/// that closing your own copy right after starting the child (CPython's usual pattern) does not end the stream. An end
/// given to a <see cref="ChildProcess"/> is reserved for the child's pid: if the child dies before taking it, the
/// stream ends. An end sent another way (in a queue, or to a Pool task) counts as in flight until some process takes
/// it; if none ever does, the stream does not end, as with CPython's spawn: poll with a timeout where that can happen.
/// </para>
/// </summary>
public sealed class Connection : IProcessShared<Connection>, IDisposable
{
    private const int DefaultBufferSize = 4 << 20;
    private const int DuplexField = 0;
    private const int CapacityField = 4;
    private const int TablesOffset = 64;
    private const int TableSize = 128;
    private const int Slots = 8;
    private const int Reserved = -1; // a slot's count while its child process has not yet taken the end
    private const int RingsOffset = TablesOffset + (2 * TableSize);

    private readonly SharedBlock _block;
    private readonly int _end;
    private readonly Ring? _incoming;
    private readonly Ring? _outgoing;
    private int _closed;

    private Connection(SharedBlock block, int end)
    {
        _block = block;
        _end = end;
        bool duplex = block.Field<int>(DuplexField) == 1;
        int capacity = block.Field<int>(CapacityField);
        int toEnd1 = RingsOffset + Ring.HeaderSize + capacity;
        // End 0 reads the ring toward it; end 1 writes it. A duplex pipe has a second ring the other way.
        if (end == 0 || duplex)
        {
            _incoming = new Ring(block, end == 0 ? RingsOffset : toEnd1);
        }
        if (end == 1 || duplex)
        {
            _outgoing = new Ring(block, end == 1 ? RingsOffset : toEnd1);
        }
        Hold();
    }

    /// <summary>
    /// CPython's <c>multiprocessing.Pipe()</c>: two connected ends. Duplex, each end sends and receives; otherwise the
    /// first end only receives and the second only sends.
    /// </summary>
    /// <param name="duplex">Whether both ends send and receive.</param>
    /// <param name="bufferSize">Bytes of shared memory per direction; a message bigger than half of it goes in parts.</param>
    public static (Connection, Connection) Pipe(bool duplex = true, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 4096, nameof(bufferSize));
        bufferSize = (bufferSize + 7) & ~7;
        var block = SharedBlock.Create(SharedKind.Pipe, RingsOffset + ((duplex ? 2 : 1) * (Ring.HeaderSize + (long)bufferSize)));
        block.Field<int>(DuplexField) = duplex ? 1 : 0;
        block.Field<int>(CapacityField) = bufferSize;
        Ring.Init(block, RingsOffset, bufferSize);
        if (duplex)
        {
            Ring.Init(block, RingsOffset + Ring.HeaderSize + bufferSize, bufferSize);
        }
        return (new Connection(block, 0), new Connection(block, 1));
    }

    string IProcessShared.Handle
    {
        get
        {
            ThrowIfClosed();
            // The end is on its way to another process: it counts as open until that process attaches, so that closing
            // ours right after sending it (CPython's usual pattern) does not end the stream. To a child process, it is
            // reserved for the child's pid once that is known (ReserveFor); to anything else, it counts as in flight.
            if (!ProcessShared.TryCollect(this))
            {
                _block.Monitor.Enter();
                Pending(_end)++;
                _block.Monitor.Exit();
            }
            return $"{_block.Path}\n{_end}";
        }
    }

    static Connection IProcessShared<Connection>.Attach(string handle)
    {
        string[] parts = handle.Split('\n');
        if (parts.Length != 2 || parts[1] is not ("0" or "1"))
        {
            throw new ArgumentException("not a connection's handle", nameof(handle));
        }
        var connection = new Connection(SharedBlock.Attach(parts[0], SharedKind.Pipe), parts[1][0] - '0');
        if (!ProcessShared.Claiming) // a child's own arguments claim their reservation instead (Hold)
        {
            connection._block.Monitor.Enter();
            if (connection.Pending(connection._end) > 0)
            {
                connection.Pending(connection._end)--;
            }
            connection._block.Monitor.Exit();
        }
        return connection;
    }

    /// <summary>Whether this end was closed here.</summary>
    public bool Closed => Volatile.Read(ref _closed) != 0;

    /// <summary>Whether this end receives.</summary>
    public bool Readable => _incoming is not null;

    /// <summary>Whether this end sends.</summary>
    public bool Writable => _outgoing is not null;

    /// <summary>Sends an object (serialized here: one that cannot travel fails now, naming what cannot).</summary>
    /// <exception cref="IOException">Every holder of the other end closed it (CPython's BrokenPipeError).</exception>
    public void Send(object? value) => Write(SharedPayloads.Encode(value, typeof(object)));

    /// <summary>Receives the next object, waiting as long as it takes.</summary>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed (CPython's EOFError).</exception>
    public object? Recv() => SharedPayloads.Decode(ReadScratch(), typeof(object));

    /// <summary>Receives the next object as a <typeparamref name="T"/>.</summary>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed.</exception>
    public T Recv<T>()
    {
        SharedPayloads.Trust(typeof(T));
        return (T)SharedPayloads.Decode(ReadScratch(), typeof(object))!;
    }

    /// <summary>Sends a message of raw bytes, boundaries kept.</summary>
    public void SendBytes(ReadOnlySpan<byte> message) => Write(message);

    /// <summary>Sends <paramref name="size"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/> (CPython's <c>send_bytes(buf, offset, size)</c>).</summary>
    public void SendBytes(byte[] buffer, int offset = 0, int? size = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset is negative");
        }
        if (buffer.Length < offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "buffer length < offset");
        }
        int count = size ?? buffer.Length - offset;
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "size is negative");
        }
        if (offset + count > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "buffer length < offset + size");
        }
        Write(buffer.AsSpan(offset, count));
    }

    /// <summary>Receives the next message of raw bytes.</summary>
    /// <exception cref="IOException">It is longer than <paramref name="maxLength"/>: this end is closed, as in CPython.</exception>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed.</exception>
    public byte[] RecvBytes(int? maxLength = null)
    {
        if (maxLength is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), "negative maxlength");
        }
        byte[] message = Read();
        if (message.Length > maxLength)
        {
            Close();
            throw new IOException($"bad message length: {message.Length} bytes where at most {maxLength} were accepted; the connection is closed");
        }
        return message;
    }

    /// <summary>Receives the next message into <paramref name="buffer"/> from <paramref name="offset"/>; returns its length.</summary>
    /// <exception cref="BufferTooShortException">It does not fit; the exception carries it whole.</exception>
    public int RecvBytesInto(byte[] buffer, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "negative offset");
        }
        if (offset > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset too large");
        }
        if (offset == 0)
        {
            // Straight from the ring into the caller's buffer when it fits: no copy in between.
            byte[] message = Read(buffer, out int length);
            if (!ReferenceEquals(message, buffer))
            {
                throw new BufferTooShortException($"the message is {length} bytes and the buffer has room for {buffer.Length}; it is in ReceivedMessage", message);
            }
            return length;
        }
        return RecvBytesInto(buffer.AsSpan(offset));
    }

    /// <summary>Receives the next message into <paramref name="buffer"/>; returns its length.</summary>
    /// <exception cref="BufferTooShortException">It does not fit; the exception carries it whole.</exception>
    public int RecvBytesInto(Span<byte> buffer)
    {
        ReadOnlySpan<byte> message = ReadScratch();
        if (message.Length > buffer.Length)
        {
            throw new BufferTooShortException($"the message is {message.Length} bytes and the buffer has room for {buffer.Length}; it is in ReceivedMessage", message.ToArray());
        }
        message.CopyTo(buffer);
        return message.Length;
    }

    /// <summary>Whether there is something to receive (a message, or the end of the stream) within <paramref name="timeout"/> (default: now).</summary>
    public bool Poll(TimeSpan? timeout = null)
    {
        Ring incoming = Incoming();
        return incoming.WaitReadable(Posix.Deadline(timeout ?? TimeSpan.Zero), PeerGone);
    }

    /// <summary>Receives the next object; until one arrives no thread of the caller's is held (one thread per process sleeps for every such wait).</summary>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; nothing was taken.</exception>
    public async Task<object?> RecvAsync(CancellationToken cancellationToken = default)
    {
        await PollAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return Recv();
    }

    /// <summary>Receives the next object as a <typeparamref name="T"/>, holding no thread while it waits.</summary>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; nothing was taken.</exception>
    public async Task<T> RecvAsync<T>(CancellationToken cancellationToken = default)
    {
        await PollAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return Recv<T>();
    }

    /// <summary>Receives the next message of raw bytes, holding no thread while it waits.</summary>
    /// <exception cref="IOException">It is longer than <paramref name="maxLength"/>: this end is closed, as in CPython.</exception>
    /// <exception cref="EndOfStreamException">Nothing is left and the other end is closed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; nothing was taken.</exception>
    public async Task<byte[]> RecvBytesAsync(int? maxLength = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength ?? 0, nameof(maxLength));
        await PollAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        return RecvBytes(maxLength);
    }

    /// <summary>
    /// Whether there is something to receive (a message, or the end of the stream) within <paramref name="timeout"/>
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: until there is), holding no thread while it waits. False is never
    /// returned before <paramref name="timeout"/> has passed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is negative (other than infinite).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async Task<bool> PollAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long deadline = Posix.Deadline(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        while (!Poll())
        {
            long left = deadline - Posix.Now();
            if (left <= 0)
            {
                return false;
            }
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (deadline != long.MaxValue)
            {
                // A timer may fire a little early; CPython's timeouts are lower bounds, so the loop waits again for what is left.
                limit.CancelAfter(TimeSpan.FromTicks(left / 100) + TimeSpan.FromMilliseconds(1));
            }
            try
            {
                await AsyncWaits.WhenReady(Monitor, () => Poll(), limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }
        return true;
    }

    /// <summary>
    /// CPython's <c>multiprocessing.connection.wait</c>: waits until at least one of <paramref name="connections"/> has
    /// something to receive (or reached its end), or <paramref name="timeout"/> passes; returns those that are ready.
    /// One sleep on all of them at once (futex_waitv), woken by the first message.
    /// </summary>
    public static IReadOnlyList<Connection> Wait(IEnumerable<Connection> connections, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return [.. Wait(connections.Cast<object>(), timeout).Cast<Connection>()];
    }

    /// <summary>
    /// CPython's <c>multiprocessing.connection.wait</c> over connections and process sentinels together: waits until at
    /// least one of <paramref name="objects"/> (each a <see cref="Connection"/> or a started <see cref="ChildProcess"/>)
    /// is ready (something to receive, or the process has exited), or <paramref name="timeout"/> passes; returns those
    /// that are. One sleep on all of them (a child's exit rings a bell this sleep includes).
    /// </summary>
    /// <exception cref="ArgumentException">An object is neither a connection nor a process.</exception>
    /// <exception cref="InvalidOperationException">A process was not started.</exception>
    public static IReadOnlyList<object> Wait(IEnumerable<object> objects, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        object[] all = [.. objects];
        var monitors = new List<SharedMonitor>();
        var ready = new List<Func<bool>>();
        foreach (object item in all)
        {
            switch (item)
            {
                case Connection connection:
                    monitors.Add(connection.Monitor);
                    ready.Add(() => connection.Poll());
                    break;
                case ChildProcess process:
                    _ = process.Sentinel; // "process not started", as CPython's sentinel says
                    ready.Add(() => process.HasExited);
                    break;
                default:
                    throw new ArgumentException($"Connection.Wait takes connections and child processes, not {item?.GetType().Name ?? "null"}", nameof(objects));
            }
        }
        if (all.Any(o => o is ChildProcess))
        {
            monitors.Add(Coordination.Processes.ChildExits.Monitor);
        }
        List<int> indexes = SharedWait.Any(monitors, ready, Posix.Deadline(timeout ?? Timeout.InfiniteTimeSpan));
        return [.. indexes.Select(i => all[i])];
    }

    /// <summary>The monitor a message's arrival pulses (for a wait on this and other shared objects at once).</summary>
    internal SharedMonitor Monitor => _block.Monitor;

    /// <summary>Closes this end in this process; the other end sees the end of the stream once no other process holds this one.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Release();
        }
    }

    /// <summary>The same as <see cref="Close"/>.</summary>
    public void Dispose()
    {
        Close();
        GC.SuppressFinalize(this);
    }

    /// <summary>An end dropped without Close is closed when collected, as CPython's is.</summary>
    ~Connection()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            Release();
        }
    }

    private void Write(ReadOnlySpan<byte> message)
    {
        ThrowIfClosed();
        Ring outgoing = _outgoing ?? throw new InvalidOperationException("connection is read-only");
        if (PeerGone() || outgoing.Write(message, long.MaxValue, int.MaxValue, PeerGone) == Ring.Outcome.Gone)
        {
            throw new IOException("broken pipe: every holder of the other end has closed it or exited");
        }
    }

    private byte[] Read() => Read(null, out _);

    /// <summary>The next message: its first <paramref name="length"/> bytes, in <paramref name="scratch"/> when it fits.</summary>
    private byte[] Read(byte[]? scratch, out int length)
    {
        Ring incoming = Incoming();
        return incoming.Read(long.MaxValue, out _, out length, PeerGone, scratch)
            ?? throw new EndOfStreamException("the other end of the pipe was closed, and every message it sent has been received");
    }

    private ReadOnlySpan<byte> ReadScratch()
    {
        byte[] message = Read(SharedPayloads.Scratch, out int length);
        return message.AsSpan(0, length);
    }

    private Ring Incoming()
    {
        ThrowIfClosed();
        return _incoming ?? throw new InvalidOperationException("connection is write-only");
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(Closed, "handle is closed");

    private ref int Pending(int end) => ref _block.Field<int>(TablesOffset + (end * TableSize));

    private ref int SlotPid(int end, int slot) => ref _block.Field<int>(TablesOffset + (end * TableSize) + 8 + (slot * 8));

    private ref int SlotCount(int end, int slot) => ref _block.Field<int>(TablesOffset + (end * TableSize) + 12 + (slot * 8));

    /// <summary>Counts this process among the holders of this end.</summary>
    private void Hold()
    {
        int me = Environment.ProcessId;
        _block.Monitor.Enter();
        try
        {
            int free = -1;
            for (int slot = 0; slot < Slots; slot++)
            {
                if (SlotPid(_end, slot) == me && SlotCount(_end, slot) != 0)
                {
                    SlotCount(_end, slot) = SlotCount(_end, slot) == Reserved ? 1 : SlotCount(_end, slot) + 1;
                    return;
                }
                if (free < 0 && (SlotCount(_end, slot) == 0 || !Posix.IsRunning(SlotPid(_end, slot))))
                {
                    free = slot;
                }
            }
            if (free < 0)
            {
                throw new InvalidOperationException($"a pipe end can be open in at most {Slots} processes at once");
            }
            SlotPid(_end, free) = me;
            SlotCount(_end, free) = 1;
        }
        finally
        {
            _block.Monitor.Exit();
        }
    }

    /// <summary>
    /// Holds this end for child process <paramref name="pid"/>, which was just started with it as an argument: it
    /// counts as open until the child takes it (then as the child's own) or the child dies before it does.
    /// </summary>
    internal void ReserveFor(int pid)
    {
        _block.Monitor.Enter();
        try
        {
            int free = -1;
            for (int slot = 0; slot < Slots; slot++)
            {
                if (SlotPid(_end, slot) == pid && SlotCount(_end, slot) != 0)
                {
                    return; // it took its end already
                }
                if (free < 0 && (SlotCount(_end, slot) == 0 || !Posix.IsRunning(SlotPid(_end, slot))))
                {
                    free = slot;
                }
            }
            if (free >= 0)
            {
                SlotPid(_end, free) = pid;
                SlotCount(_end, free) = Reserved;
            }
        }
        finally
        {
            _block.Monitor.Exit();
        }
    }

    private void Release()
    {
        int me = Environment.ProcessId;
        _block.Monitor.Enter();
        for (int slot = 0; slot < Slots; slot++)
        {
            if (SlotPid(_end, slot) == me && SlotCount(_end, slot) > 0 && --SlotCount(_end, slot) == 0)
            {
                SlotPid(_end, slot) = 0;
            }
        }
        _block.Monitor.PulseAll(); // a peer waiting to receive may now be at the end of the stream
        _block.Monitor.Exit();
    }

    /// <summary>Whether no process holds the other end any more (read without the monitor: the ring's waits call it inside theirs).</summary>
    private bool PeerGone()
    {
        int peer = 1 - _end;
        if (Volatile.Read(ref Pending(peer)) > 0)
        {
            return false;
        }
        for (int slot = 0; slot < Slots; slot++)
        {
            int pid = Volatile.Read(ref SlotPid(peer, slot));
            if (pid != 0 && Volatile.Read(ref SlotCount(peer, slot)) != 0 && (pid == Environment.ProcessId || Posix.IsAlive(pid)))
            {
                return false;
            }
        }
        return true;
    }
}
