namespace Actors.Runtime.Remote.Framing;

/// <summary>The kind byte of a frame: <c>[u32 body length][u8 kind][body]</c>, little-endian.</summary>
internal enum FrameKind : byte
{
    Hello = 1,
    Challenge = 2,
    Response = 3,
    Welcome = 4,
    Reject = 5,

    /// <summary>An actor message: target id, optional sender id, payload.</summary>
    User = 10,

    /// <summary>A runtime message (watch, unwatch, death notification) for a target id.</summary>
    System = 11,

    Heartbeat = 12,

    /// <summary>The first part of a large message: its total length, its inner kind, then bytes.</summary>
    FragmentFirst = 13,

    /// <summary>A further part of the large message in progress.</summary>
    FragmentNext = 14,

    /// <summary>The peer is closing on purpose; not a failure.</summary>
    Goodbye = 15,
}
