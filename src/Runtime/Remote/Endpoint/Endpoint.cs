using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Threading.Channels;
using Actors.Runtime.Kernel;
using Actors.Runtime.Remote.Framing;
using Actors.Runtime.Remote.Handshake;
using Actors.Runtime.Remote.Transport;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Remote.Endpoint;

/// <summary>
/// One authenticated connection to one node: serializes outbound messages on the caller's thread,
/// queues them, and a single writer coalesces whatever is queued into one flush. Messages larger
/// than a fragment go out in fragments between the small ones, so a big transfer never holds up a
/// small message for long. Inbound frames are dispatched to local actors; a message that fails to
/// decode fails alone. Losing the node fails its pending asks and notifies its watchers.
/// </summary>
internal sealed partial class Endpoint : IAsyncDisposable
{
    public const int FragmentSize = 64 * 1024;
    private const int FlushThreshold = 256 * 1024;

    private readonly Remoting _remoting;
    private readonly IConnection _connection;
    private readonly FrameReader _reader;
    private readonly Channel<Outbound> _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<long, PromiseTarget> _pendingAsks = new();
    private readonly ConcurrentDictionary<(ActorId Watchee, ActorRef Watcher), byte> _watches = new();
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastReceived = Environment.TickCount64;
    private long _lastSent = Environment.TickCount64;
    private Task _loops = Task.CompletedTask;
    private Task _writer = Task.CompletedTask;

    public Endpoint(Remoting remoting, IConnection connection, FrameReader reader, NodeInfo peer)
    {
        _remoting = remoting;
        _connection = connection;
        _reader = reader;
        Peer = peer;
    }

    /// <summary>A frame to write; <paramref name="Target"/> keeps messages to one actor in order behind a large one.</summary>
    private readonly record struct Outbound(FrameKind Kind, PooledBuffer Body, ActorId? Target);

    public NodeInfo Peer { get; }

    /// <summary>Completes with the reason once the node is lost or the endpoint is closed.</summary>
    public Task<string> Lost => _lost.Task;

    public bool IsLost => _lost.Task.IsCompleted;

    private ActorSystem System => _remoting.System;

    private ILogger Log => _remoting.Logger;

    public void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        _loops = Task.WhenAll(Task.Run(ReadLoopAsync), _writer, Task.Run(HeartbeatLoopAsync));
    }

    /// <summary>Serializes and queues a user message. Throws at the caller if it cannot be serialized or is too large.</summary>
    public void SendUser(ActorId target, object message, ActorRef? sender)
    {
        if (IsLost)
        {
            System.DeadLetters.Publish(message, sender, new ActorRef(target, new DeadTarget(System, target)), $"node '{Peer.Name}' was lost");
            return;
        }
        var body = new PooledBuffer(256);
        try
        {
            var writer = new BinWriter(body, 1);
            RuntimeMessageCodec.WriteId(writer, target);
            writer.WriteByte(sender is null ? (byte)0 : (byte)1);
            if (sender is not null)
            {
                RuntimeMessageCodec.WriteId(writer, sender.Id);
            }
            System.Serializer.Serialize(body, message, typeof(object));
            if (body.Length > _remoting.Options.MaxMessageSize)
            {
                throw new MessageTooLargeException(
                    $"A {message.GetType().Name} for {target} serializes to {body.Length:N0} bytes, over RemoteOptions.MaxMessageSize ({_remoting.Options.MaxMessageSize:N0}). Raise the limit, or send the data in parts or through shared memory. Nothing was sent.");
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
        if (sender?.Target is PromiseTarget promise && _pendingAsks.TryAdd(promise.Id, promise))
        {
            _ = promise.Reply.ContinueWith(static (_, state) =>
            {
                (Endpoint endpoint, long id) = ((Endpoint, long))state!;
                endpoint._pendingAsks.TryRemove(id, out PromiseTarget? _);
            }, (this, promise.Id), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        Enqueue(FrameKind.User, body, target);
    }

    public void SendSystem(ActorId target, IRuntimeMessage message)
    {
        if (IsLost)
        {
            return;
        }
        var body = new PooledBuffer(96);
        RuntimeMessageCodec.WriteId(new BinWriter(body, 1), target);
        RuntimeMessageCodec.Write(body, message);
        Enqueue(FrameKind.System, body, target);
    }

    /// <summary>Records that a local actor watches an actor on this node, so losing the node can tell it.</summary>
    public void Watch(ActorId watchee, ActorRef watcher)
    {
        if (IsLost)
        {
            watcher.Target.PostSystem(new DeathNotificationMessage(System.Resolve(watchee), true, NodeLost: true));
            return;
        }
        _watches[(watchee, watcher)] = 0;
        SendSystem(watchee, new WatchRequest(watchee, watcher.Id));
    }

    public void Unwatch(ActorId watchee, ActorRef watcher)
    {
        _watches.TryRemove((watchee, watcher), out _);
        SendSystem(watchee, new UnwatchRequest(watchee, watcher.Id));
    }

    /// <summary>Queues an already-encoded frame body (relaying between nodes).</summary>
    public void Enqueue(FrameKind kind, PooledBuffer body, ActorId? target = null)
    {
        if (!_outbound.Writer.TryWrite(new Outbound(kind, body, target)))
        {
            body.Dispose();
        }
    }

    private async Task WriteLoopAsync()
    {
        PipeWriter output = _connection.Output;
        // Large messages, and everything queued after them for the same actor, wait here in order;
        // small messages to other actors are written at once, between the fragments.
        var large = new Queue<Outbound>();
        var waiting = new Dictionary<ActorId, int>();
        int offset = 0;
        long unflushed = 0; // PipeWriter.UnflushedBytes is not supported by every writer
        try
        {
            while (true)
            {
                while (_outbound.Reader.TryRead(out Outbound next))
                {
                    bool behindLarge = next.Target is { } target && waiting.ContainsKey(target);
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
                        if (next.Target is { } held)
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
                        if (big.Target is { } done && --waiting[done] == 0)
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
                if (large.Count == 0 && !await _outbound.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    break;
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
        Volatile.Write(ref _lastSent, Environment.TickCount64);
        if (result.IsCompleted)
        {
            throw new IOException("the connection is closed");
        }
    }

    private async Task HeartbeatLoopAsync()
    {
        RemoteOptions options = _remoting.Options;
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

    /// <summary>Closes the connection and runs the node-loss consequences once.</summary>
    /// <param name="reason">Why, in words, for logs and exceptions.</param>
    /// <param name="expected">True when either side closed on purpose: logged as information, not as a warning.</param>
    public void MarkLost(string reason, bool expected = false)
    {
        if (!_lost.TrySetResult(reason))
        {
            return;
        }
        if (expected)
        {
            LogNodeLeft(Log, Peer.Name, Peer.Pid, reason);
        }
        else
        {
            LogNodeLost(Log, Peer.Name, Peer.Pid, reason);
        }
        _outbound.Writer.TryComplete();
        _stop.Cancel();
        var lost = new NodeLostException(Peer.Name, $"Node '{Peer.Name}' (pid {Peer.Pid}, {Peer.Host}) was lost: {reason}.");
        foreach (PromiseTarget promise in _pendingAsks.Values)
        {
            promise.Fail(lost);
        }
        _pendingAsks.Clear();
        foreach ((ActorId watchee, ActorRef watcher) in _watches.Keys)
        {
            watcher.Target.PostSystem(new DeathNotificationMessage(new ActorRef(watchee, new DeadTarget(System, watchee)), ExistenceConfirmed: true, NodeLost: true));
        }
        _watches.Clear();
        _remoting.OnEndpointLost(this, reason);
    }

    /// <summary>Says goodbye, lets the writer drain, and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!IsLost)
        {
            Enqueue(FrameKind.Goodbye, new PooledBuffer(1));
            _outbound.Writer.TryComplete(); // the writer drains what is queued, goodbye last, then ends
            await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
            MarkLost("this node closed the connection", expected: true);
        }
        _stop.Cancel();
        await _connection.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAny(_loops, Task.Delay(TimeSpan.FromSeconds(1))).ConfigureAwait(false);
        _reader.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} (pid {Pid}) left: {Reason}")]
    private static partial void LogNodeLeft(ILogger logger, string node, int pid, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {Node} (pid {Pid}) lost: {Reason}")]
    private static partial void LogNodeLost(ILogger logger, string node, int pid, string reason);
}
