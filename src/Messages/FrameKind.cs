namespace Actors.Messages;

/// <summary>The kind byte of a lane frame: <c>[u32 body length][u8 kind][body]</c>, little-endian. Numbers are a wire contract: never renumber.</summary>
internal enum FrameKind : byte
{
    Hello = 1,
    Challenge = 2,
    Response = 3,
    Welcome = 4,
    Reject = 5,

    /// <summary>A lane message: a <see cref="LaneOp"/>, a correlation id, a payload.</summary>
    User = 10,

    // 11 carried the hand-written kernel's runtime messages (watch, death notification); Akka.Remote carries
    // those now. Do not reuse 11.

    Heartbeat = 12,

    /// <summary>The first part of a large message: its total length, its inner kind, then bytes.</summary>
    FragmentFirst = 13,

    /// <summary>A further part of the large message in progress.</summary>
    FragmentNext = 14,

    /// <summary>The peer is closing on purpose; not a failure.</summary>
    Goodbye = 15,
}
