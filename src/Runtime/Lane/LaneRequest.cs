using Actors.Messages;

namespace Actors.Runtime.Lane;

/// <summary>
/// A message that arrived on a lane, as its inbox actor receives it. <see cref="Reply"/> and <see cref="Fail"/>
/// answer a request (they do nothing for a one-way message); a reply that cannot be serialized throws at once.
/// </summary>
internal sealed class LaneRequest(LaneConnection lane, long correlation, object message)
{
    public object Message => message;

    public LaneConnection Lane => lane;

    public bool ExpectsReply => correlation != 0;

    public void Reply(object? reply)
    {
        if (ExpectsReply)
        {
            lane.Reply(correlation, reply);
        }
    }

    public void Fail(Exception failure)
    {
        if (ExpectsReply)
        {
            lane.ReplyFailure(correlation, failure);
        }
    }
}

/// <summary>The reply to a <see cref="LaneConnection.Request"/>: its <paramref name="Message"/>, or its <paramref name="Failure"/>.</summary>
internal sealed record LaneReply(object State, object? Message, Exception? Failure);
