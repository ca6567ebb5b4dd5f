using Actors.Messages;
using Actors.Runtime.Lane.Framing;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Lane;

internal sealed partial class LaneConnection
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
                    case FrameKind.User: Dispatch(body); break;
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
        catch (Exception ex) when (ex is FrameException or IOException or global::System.Net.Sockets.SocketException)
        {
            reason = $"a bad frame or a broken stream ({ex.Message}); the connection was closed";
            goodbye = false;
        }
        MarkLost(reason, expected: goodbye);
    }

    private void Dispatch(PooledBuffer body)
    {
        var reader = new BinReader(body.Span, 1);
        LaneOp op;
        long correlation;
        try
        {
            op = (LaneOp)reader.ReadByte();
            correlation = reader.Read<long>();
        }
        catch (PathException ex)
        {
            throw new FrameException($"a message envelope is malformed: {ex.Message}");
        }
        if (op > LaneOp.Failure)
        {
            throw new FrameException($"a message envelope has the unknown operation {(byte)op}");
        }
        object? message;
        try
        {
            message = _serializer.Deserialize<object?>(body.Span[^reader.Remaining..]);
        }
        catch (PayloadSerializationException ex)
        {
            // This one message fails; the connection and everything else go on.
            LogUndecodable(_log, ex, op, Peer.Name);
            if (op is LaneOp.Reply or LaneOp.Failure && _pendingAsks.TryRemove(correlation, out Waiter? waiting))
            {
                waiting.Fail(ex);
            }
            else if (op == LaneOp.Request)
            {
                ReplyFailure(correlation, new PayloadSerializationException($"The request could not be decoded on {Peer.Name}'s peer: {ex.Message}", ex));
            }
            return;
        }
        switch (op)
        {
            case LaneOp.Tell or LaneOp.Request when message is TrustAssemblies trust:
                if (OnTrust is { } apply)
                {
                    apply(trust);
                    if (op == LaneOp.Request)
                    {
                        Reply(correlation, true); // the coordinator waits for it before it uses Akka.Remote, which is not ordered with the lane
                    }
                }
                else if (op == LaneOp.Request)
                {
                    ReplyFailure(correlation, new InvalidOperationException("Only a worker takes a list of assemblies to trust, and only from its coordinator."));
                }
                break;
            case LaneOp.Reply when _pendingAsks.TryRemove(correlation, out Waiter? reply):
                reply.Reply(message);
                break;
            case LaneOp.Failure when _pendingAsks.TryRemove(correlation, out Waiter? failed):
                failed.Fail(message as Exception ?? new RemoteException("unknown", "The peer failed the request without saying why.", null));
                break;
            case LaneOp.Tell or LaneOp.Request when message is not null:
                // A message for an actor started under a route goes to it directly; anything else to the inbox.
                Akka.Actor.IActorRef target = message is ILaneRouted routed && _routes.TryGetValue(routed.Route, out Akka.Actor.IActorRef? direct) ? direct : Inbox;
                target.Tell(new LaneRequest(this, op == LaneOp.Request ? correlation : 0, message), Akka.Actor.ActorRefs.NoSender);
                break;
            default:
                break; // the reply of an ask that already timed out
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Operation} from node {Node} could not be decoded; it failed alone and the connection stays up")]
    private static partial void LogUndecodable(ILogger logger, Exception exception, LaneOp operation, string node);
}
