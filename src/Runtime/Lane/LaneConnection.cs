using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using Actors.Messages;
using Actors.Runtime.Lane.Framing;
using Actors.Runtime.Lane.Handshake;
using Actors.Runtime.Lane.Transport;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Lane;

/// <summary>
/// One authenticated lane connection between the coordinator and a worker on its machine: the data plane
/// beside Akka.Remote (which costs 2.5-4x more per message here; see DESIGN.md). Outbound messages are
/// serialized on the caller's thread (an unserializable or oversize one throws there and nothing is sent),
/// queued, and one writer coalesces whatever is queued into one flush; messages larger than a fragment go
/// out in fragments between the small ones, and messages with the same order key keep their order.
/// Inbound requests are delivered to an Akka actor (the inbox) as <see cref="LaneRequest"/>; replies complete
/// the asks that wait for them. A message that fails to decode fails alone. Losing the connection fails
/// every pending ask at once with <see cref="NodeLostException"/>.
/// </summary>
internal sealed partial class LaneConnection : IAsyncDisposable
{
    public const int FragmentSize = 64 * 1024;
    private const int FlushThreshold = 256 * 1024;

    private readonly IConnection _connection;
    private readonly FrameReader _reader;
    private readonly LaneOptions _options;
    private readonly IPayloadSerializer _serializer;
    private readonly ILogger _log;
    private readonly Channel<Outbound> _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, Waiter> _pendingAsks = new();
    private readonly ConcurrentDictionary<string, Akka.Actor.IActorRef> _routes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _marked; // MarkLost has run (once)
    private long _lastReceived = Environment.TickCount64;
    private long _lastSent = Environment.TickCount64;
    private long _nextCorrelation;
    private readonly SemaphoreSlim _writeGate = new(1, 1); // held by whoever writes to the connection: the writer loop, or a caller writing inline
    private bool _writerStarted;
    private int _disposed;
    private Task _loops = Task.CompletedTask;
    private Task _writer = Task.CompletedTask;

    public LaneConnection(IConnection connection, FrameReader reader, NodeInfo peer, LaneOptions options, IPayloadSerializer serializer, ILogger log)
    {
        _connection = connection;
        _reader = reader;
        _options = options;
        _serializer = serializer;
        _log = log;
        Peer = peer;
        reader.MaxFrameBody = FragmentSize + 8;
        reader.MaxMessage = options.MaxMessageSize;
    }

    /// <summary>A frame to write; messages with the same <paramref name="OrderKey"/> stay in order behind a large one.</summary>
    private readonly record struct Outbound(FrameKind Kind, PooledBuffer Body, string? OrderKey);

    /// <summary>The authenticated peer.</summary>
    public NodeInfo Peer { get; }

    /// <summary>The largest message this lane sends or accepts.</summary>
    public int MaxMessageSize => _options.MaxMessageSize;

    /// <summary>Where inbound requests go; set once, before <see cref="Start"/>.</summary>
    public Akka.Actor.IActorRef Inbox { get; set; } = Akka.Actor.ActorRefs.Nobody;

    /// <summary>
    /// Applies a <see cref="TrustAssemblies"/> on the reader's thread, before the next message is decoded (a worker sets it;
    /// on the coordinator it is null and such a message is refused).
    /// </summary>
    public Action<TrustAssemblies>? OnTrust { get; set; }

    /// <summary>Completes with the reason once the connection is lost or closed.</summary>
    public Task<string> Lost => _lost.Task;

    public bool IsLost => _lost.Task.IsCompleted;

    public void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        _loops = Task.WhenAll(Task.Run(ReadLoopAsync), _writer, Task.Run(HeartbeatLoopAsync));
    }

    /// <summary>Sends a one-way message, in order with the other messages of <paramref name="orderKey"/>.</summary>
    /// <exception cref="PayloadSerializationException">It cannot be serialized; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">It is over <see cref="LaneOptions.MaxMessageSize"/>; nothing was sent.</exception>
    public void Tell(object message, string? orderKey = null)
    {
        if (!IsLost)
        {
            Enqueue(FrameKind.User, Encode(LaneOp.Tell, 0, message), orderKey);
        }
    }

    /// <summary>Sends a request and waits for its reply; fails with the remote exception, <see cref="NodeLostException"/> or <see cref="TimeoutException"/>.</summary>
    /// <exception cref="PayloadSerializationException">It cannot be serialized; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">It is over <see cref="LaneOptions.MaxMessageSize"/>; nothing was sent.</exception>
    public Task<T> AskAsync<T>(object message, TimeSpan timeout, string? orderKey = null)
    {
        long correlation = Interlocked.Increment(ref _nextCorrelation);
        PooledBuffer body = Encode(LaneOp.Request, correlation, message);
        var reply = new TaskWaiter();
        Register(correlation, reply, body, orderKey);
        return Await<T>(reply.Completion, correlation, timeout);
    }

    /// <summary>
    /// Sends a request whose reply (or failure: the remote exception, or <see cref="NodeLostException"/> when the lane
    /// is lost) is delivered to <paramref name="replyTo"/> as a <see cref="LaneReply"/> carrying <paramref name="state"/>,
    /// straight from the lane's reader: no task and no thread hop between the wire and the actor. Returns the request's
    /// id, for <see cref="Forget"/>.
    /// </summary>
    /// <exception cref="PayloadSerializationException">It cannot be serialized; nothing was sent.</exception>
    /// <exception cref="MessageTooLargeException">It is over <see cref="LaneOptions.MaxMessageSize"/>; nothing was sent.</exception>
    public long Request(object message, Akka.Actor.IActorRef replyTo, object state, string? orderKey = null)
    {
        long correlation = Interlocked.Increment(ref _nextCorrelation);
        Register(correlation, new ActorWaiter(replyTo, state), Encode(LaneOp.Request, correlation, message), orderKey);
        return correlation;
    }

    /// <summary>Stops waiting for a request's reply (its requester gave up on it); a late reply is dropped.</summary>
    public void Forget(long correlation) => _pendingAsks.TryRemove(correlation, out _);

    /// <summary>Lane messages routed to <paramref name="route"/> (<see cref="ILaneRouted"/>) go to <paramref name="target"/> directly, not through the inbox.</summary>
    public void AddRoute(string route, Akka.Actor.IActorRef target) => _routes[route] = target;

    public void RemoveRoute(string route) => _routes.TryRemove(route, out _);

    private void Register(long correlation, Waiter waiter, PooledBuffer body, string? orderKey)
    {
        _pendingAsks[correlation] = waiter;
        if (IsLost)
        {
            body.Dispose();
            Fail(waiter, correlation, Lost.Result);
        }
        else
        {
            Enqueue(FrameKind.User, body, orderKey);
        }
    }

    private async Task<T> Await<T>(Task<object?> reply, long correlation, TimeSpan timeout)
    {
        try
        {
            return (T)(await (timeout == Timeout.InfiniteTimeSpan ? reply : reply.WaitAsync(timeout)).ConfigureAwait(false))!;
        }
        finally
        {
            _pendingAsks.TryRemove(correlation, out _);
        }
    }

    /// <summary>Answers a request of the peer; a reply that cannot be serialized throws here, on the replier's thread.</summary>
    public void Reply(long correlation, object? message)
    {
        if (!IsLost)
        {
            Enqueue(FrameKind.User, Encode(LaneOp.Reply, correlation, message), null);
        }
    }

    /// <summary>Answers a request of the peer with a failure; the asker's task throws it.</summary>
    public void ReplyFailure(long correlation, Exception failure)
    {
        if (IsLost)
        {
            return;
        }
        PooledBuffer body;
        try
        {
            body = Encode(LaneOp.Failure, correlation, failure);
        }
        catch (PayloadSerializationException ex)
        {
            body = Encode(LaneOp.Failure, correlation, new RemoteException(failure.GetType().FullName ?? "Exception", failure.Message, ex.Message));
        }
        Enqueue(FrameKind.User, body, null);
    }

    private PooledBuffer Encode(LaneOp op, long correlation, object? message)
    {
        var body = new PooledBuffer(256);
        try
        {
            var writer = new BinWriter(body, 1);
            writer.WriteByte((byte)op);
            writer.Write(correlation);
            _serializer.Serialize(body, message, typeof(object));
            if (body.Length > _options.MaxMessageSize)
            {
                throw new MessageTooLargeException(
                    $"A {message?.GetType().Name} for {Peer.Name} serializes to {body.Length:N0} bytes, over LaneOptions.MaxMessageSize ({_options.MaxMessageSize:N0}). Raise the limit, or send the data in parts or through shared memory. Nothing was sent.");
            }
            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes an encoded frame body on the caller's thread when the writer is idle and nothing waits before it (the usual
    /// case for a request and its reply: no thread is woken to send it); queues it for the writer otherwise.
    /// </summary>
    private void Enqueue(FrameKind kind, PooledBuffer body, string? orderKey = null)
    {
        if (body.Length <= FragmentSize && Volatile.Read(ref _writerStarted) && _writeGate.Wait(0))
        {
            bool inline = !_outbound.Reader.TryPeek(out _) && !IsLost && _disposed == 0;
            if (inline)
            {
                WriteNow(kind, body);
                return;
            }
            _writeGate.Release();
        }
        if (!_outbound.Writer.TryWrite(new Outbound(kind, body, orderKey)))
        {
            body.Dispose();
        }
    }

    /// <summary>Writes and flushes one frame while holding the write gate, and releases it (once the flush is done, if it must wait).</summary>
    private void WriteNow(FrameKind kind, PooledBuffer body)
    {
        PipeWriter output = _connection.Output;
        ValueTask<FlushResult> flush;
        try
        {
            FrameWriter.Write(output, kind, body.Span);
            body.Dispose();
            flush = output.FlushAsync(_stop.Token);
        }
        catch (Exception ex)
        {
            _writeGate.Release();
            MarkLost($"writing to it failed: {ex.Message}");
            return;
        }
        if (flush.IsCompletedSuccessfully)
        {
            Flushed(flush.Result);
            _writeGate.Release();
        }
        else
        {
            _ = FinishFlushAsync(flush); // the socket's buffer is full: the flush completes in the background, holding the gate
        }
    }

    private async Task FinishFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            Flushed(await flush.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            MarkLost($"writing to it failed: {ex.Message}");
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>After every flush, by the writer or inline: the heartbeat's clock, and a closed connection marked lost.</summary>
    private void Flushed(FlushResult result)
    {
        Volatile.Write(ref _lastSent, Environment.TickCount64);
        if (result.IsCompleted)
        {
            MarkLost("writing to it failed: the connection is closed");
        }
    }

    private async Task WriteLoopAsync()
    {
        PipeWriter output = _connection.Output;
        // Large messages, and everything queued after them for the same actor, wait here in order;
        // small messages to other actors are written at once, between the fragments.
        var large = new Queue<Outbound>();
        var waiting = new Dictionary<string, int>(StringComparer.Ordinal);
        int offset = 0;
        long unflushed = 0; // PipeWriter.UnflushedBytes is not supported by every writer
        bool gated = false;
        try
        {
            Volatile.Write(ref _writerStarted, true);
            while (true)
            {
                if (!gated)
                {
                    // Idle until something is queued; then the gate, which a caller writing inline holds for one frame.
                    if (!await _outbound.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                    await _writeGate.WaitAsync(_stop.Token).ConfigureAwait(false);
                    gated = true;
                }
                while (_outbound.Reader.TryRead(out Outbound next))
                {
                    bool behindLarge = next.OrderKey is { } target && waiting.ContainsKey(target);
                    if (next.Body.Length <= FragmentSize && !behindLarge)
                    {
                        FrameWriter.Write(output, next.Kind, next.Body.Span);
                        unflushed += FrameReader.HeaderSize + next.Body.Length;
                        next.Body.Dispose();
                        if (unflushed >= FlushThreshold)
                        {
                            await FlushAsync(output).ConfigureAwait(false);
                            unflushed = 0;
                        }
                    }
                    else
                    {
                        if (next.OrderKey is { } held)
                        {
                            waiting[held] = waiting.GetValueOrDefault(held) + 1;
                        }
                        large.Enqueue(next);
                    }
                }
                // One flush's worth of fragments at most, then small messages get their turn again.
                while (large.TryPeek(out Outbound big) && unflushed < FlushThreshold && !_outbound.Reader.TryPeek(out _))
                {
                    if (big.Body.Length <= FragmentSize)
                    {
                        FrameWriter.Write(output, big.Kind, big.Body.Span); // a small one that waited its turn
                        unflushed += FrameReader.HeaderSize + big.Body.Length;
                        offset = big.Body.Length;
                    }
                    else
                    {
                        int count = Math.Min(FragmentSize, big.Body.Length - offset);
                        FrameWriter.WriteFragment(output, big.Kind, big.Body.Length, big.Body.Span.Slice(offset, count), first: offset == 0);
                        unflushed += FrameReader.HeaderSize + count;
                        offset += count;
                    }
                    if (offset == big.Body.Length)
                    {
                        large.Dequeue().Body.Dispose();
                        offset = 0;
                        if (big.OrderKey is { } done && --waiting[done] == 0)
                        {
                            waiting.Remove(done);
                        }
                    }
                }
                if (unflushed > 0)
                {
                    await FlushAsync(output).ConfigureAwait(false);
                    unflushed = 0;
                }
                if (large.Count == 0 && !_outbound.Reader.TryPeek(out _))
                {
                    gated = false; // idle: callers may write inline again
                    _writeGate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            MarkLost($"writing to it failed: {ex.Message}");
        }
        finally
        {
            if (gated)
            {
                _writeGate.Release();
            }
            foreach (Outbound pending in large)
            {
                pending.Body.Dispose();
            }
            while (_outbound.Reader.TryRead(out Outbound pending))
            {
                pending.Body.Dispose();
            }
        }
    }

    private async ValueTask FlushAsync(PipeWriter output)
    {
        FlushResult result = await output.FlushAsync(_stop.Token).ConfigureAwait(false);
        Flushed(result);
        if (result.IsCompleted)
        {
            throw new IOException("the connection is closed"); // lost already (Flushed): the writer ends
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        LaneOptions options = _options;
        using var timer = new PeriodicTimer(options.HeartbeatInterval / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                long now = Environment.TickCount64;
                if (now - Volatile.Read(ref _lastReceived) > (long)options.HeartbeatTimeout.TotalMilliseconds)
                {
                    MarkLost($"it sent nothing, not even a heartbeat, for {options.HeartbeatTimeout}");
                    return;
                }
                if (now - Volatile.Read(ref _lastSent) >= (long)options.HeartbeatInterval.TotalMilliseconds)
                {
                    Enqueue(FrameKind.Heartbeat, new PooledBuffer(1));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Closes the connection and fails what waits on it, once.</summary>
    /// <param name="reason">Why, in words, for logs and exceptions.</param>
    /// <param name="expected">True when either side closed on purpose: logged as information, not as a warning.</param>
    public void MarkLost(string reason, bool expected = false)
    {
        if (Interlocked.Exchange(ref _marked, 1) != 0)
        {
            return;
        }
        // Logged before Lost completes: whoever reacts to the loss finds its reason in the log already.
        if (expected)
        {
            LogNodeLeft(_log, Peer.Name, Peer.Pid, reason);
        }
        else
        {
            LogNodeLost(_log, Peer.Name, Peer.Pid, reason);
        }
        _lost.TrySetResult(reason);
        _outbound.Writer.TryComplete();
        _stop.Cancel();
        foreach ((long correlation, Waiter reply) in _pendingAsks)
        {
            Fail(reply, correlation, reason);
        }
    }

    private void Fail(Waiter reply, long correlation, string reason)
    {
        if (_pendingAsks.TryRemove(correlation, out _))
        {
            reply.Fail(new NodeLostException(Peer.Name, $"Node '{Peer.Name}' (pid {Peer.Pid}, {Peer.Host}) was lost: {reason}."));
        }
    }

    /// <summary>Who waits for a request's reply: a task (<see cref="AskAsync{T}"/>) or an actor (<see cref="Request"/>).</summary>
    private abstract class Waiter
    {
        public abstract void Reply(object? message);

        public abstract void Fail(Exception failure);
    }

    private sealed class TaskWaiter : Waiter
    {
        private readonly TaskCompletionSource<object?> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<object?> Completion => _completion.Task;

        public override void Reply(object? message) => _completion.TrySetResult(message);

        public override void Fail(Exception failure) => _completion.TrySetException(failure);
    }

    private sealed class ActorWaiter(Akka.Actor.IActorRef replyTo, object state) : Waiter
    {
        public override void Reply(object? message) => replyTo.Tell(new LaneReply(state, message, null), Akka.Actor.ActorRefs.NoSender);

        public override void Fail(Exception failure) => replyTo.Tell(new LaneReply(state, null, failure), Akka.Actor.ActorRefs.NoSender);
    }

    /// <summary>Says goodbye, lets the writer drain, and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        if (!IsLost)
        {
            Enqueue(FrameKind.Goodbye, new PooledBuffer(1));
            _outbound.Writer.TryComplete(); // the writer drains what is queued, goodbye last, then ends
            await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            MarkLost("this node closed the connection", expected: true);
        }
        _stop.Cancel();
        // No write may be in flight when the connection closes (a TLS stream refuses a write while another is pending):
        // the writer loop and an inline write each hold the gate until their flush has ended. Never released: nothing
        // writes to this connection again.
        await _writeGate.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAny(_loops, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _reader.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} (pid {Pid}) left: {Reason}")]
    private static partial void LogNodeLeft(ILogger logger, string node, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} (pid {Pid}) lost: {Reason}")]
    private static partial void LogNodeLost(ILogger logger, string node, int pid, string reason);
}
