namespace Actors.Messages;

/// <summary>What a lane message is, in the first byte of its body: a one-way message, a request, or a reply to one. A wire contract: never renumber.</summary>
internal enum LaneOp : byte
{
    Tell = 0,
    Request = 1,
    Reply = 2,
    Failure = 3,
}

