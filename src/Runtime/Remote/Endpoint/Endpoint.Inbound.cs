using Actors.Runtime.Kernel;
using Actors.Runtime.Remote.Framing;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Remote.Endpoint;

internal sealed partial class Endpoint
{
    private async Task ReadLoopAsync()
    {
        string reason = "its connection closed";
        bool goodbye = false;
        try
        {
            while (await _reader.ReadAsync(_stop.Token).ConfigureAwait(false) is { } frame)
            {
                Volatile.Write(ref _lastReceived, Environment.TickCount64);
                using PooledBuffer body = frame.Body;
                switch (frame.Kind)
                {
                    case FrameKind.User: DispatchUser(body); break;
                    case FrameKind.System: DispatchSystem(body); break;
                    case FrameKind.Heartbeat: break;
                    case FrameKind.Goodbye: reason = "it left (closed on purpose)"; goodbye = true; break;
                    default: throw new FrameException($"a {frame.Kind} frame arrived after the handshake");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is FrameException or IOException or PayloadSerializationException or global::System.Net.Sockets.SocketException)
        {
            reason = $"a bad frame or a broken stream ({ex.Message}); the connection was closed";
            goodbye = false;
        }
        MarkLost(reason, expected: goodbye);
    }

    private void DispatchUser(PooledBuffer body)
    {
        var reader = new BinReader(body.Span, 1);
        ActorId target;
        ActorRef? sender;
        try
        {
            target = RuntimeMessageCodec.ReadId(ref reader);
            sender = reader.ReadByte() == 1 ? System.Resolve(RuntimeMessageCodec.ReadId(ref reader)) : null;
        }
        catch (PathException ex)
        {
            throw new FrameException($"a message envelope is malformed: {ex.Message}");
        }
        if (target.Node != System.NodeName)
        {
            _remoting.Relay(target, FrameKind.User, body);
            return;
        }
        object message;
        try
        {
            message = System.Serializer.Deserialize<object>(body.Span[^reader.Remaining..]);
        }
        catch (PayloadSerializationException ex)
        {
            // This one message fails; the connection and everything else go on.
            LogUndecodable(Log, ex, target, Peer.Name);
            if (sender?.Target is IAskTarget ask)
            {
                ask.Fail(ex);
            }
            return;
        }
        System.Resolve(target).Target.Post(message, sender);
    }

    private void DispatchSystem(PooledBuffer body)
    {
        var reader = new BinReader(body.Span, 1);
        ActorId target;
        IRuntimeMessage message;
        try
        {
            target = RuntimeMessageCodec.ReadId(ref reader);
            message = RuntimeMessageCodec.Read(body.Span[^reader.Remaining..]);
        }
        catch (Exception ex) when (ex is PathException or PayloadSerializationException)
        {
            throw new FrameException($"a runtime message is malformed: {ex.Message}");
        }
        if (target.Node != System.NodeName)
        {
            _remoting.Relay(target, FrameKind.System, body);
            return;
        }
        ActorRef local = System.Resolve(target);
        switch (message)
        {
            case WatchRequest watch:
                local.Target.PostSystem(new WatchMessage(System.Resolve(watch.Watcher)));
                break;
            case UnwatchRequest unwatch:
                local.Target.PostSystem(new UnwatchMessage(System.Resolve(unwatch.Watcher)));
                break;
            case DeathWatchNotification death:
                ActorRef dead = System.Resolve(death.Actor);
                _watches.TryRemove((death.Actor, local), out _);
                local.Target.PostSystem(new DeathNotificationMessage(dead, death.ExistenceConfirmed, death.NodeLost));
                break;
            case StopRequest:
                local.Target.PostSystem(StopMessage.Instance);
                break;
            case PoisonPill:
                local.Target.Post(PoisonPill.Instance, null);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A message for {Target} from node {Node} could not be decoded; it was dropped and the connection stays up")]
    private static partial void LogUndecodable(ILogger logger, Exception exception, ActorId target, string node);
}
