namespace Actors;

/// <summary>
/// Numeric ids of the runtime's own messages on the wire. Ids are stable: add new ones at the end,
/// never renumber, so that nodes of neighbouring versions can still read each other's frames.
/// </summary>
public enum RuntimeMessageId : ushort
{
    /// <summary>Not a message; a zero on the wire is always an error.</summary>
    None = 0,
    /// <summary><see cref="PoisonPill"/>.</summary>
    PoisonPill = 1,
    /// <summary><see cref="WatchRequest"/>.</summary>
    Watch = 2,
    /// <summary><see cref="UnwatchRequest"/>.</summary>
    Unwatch = 3,
    /// <summary><see cref="DeathWatchNotification"/>.</summary>
    DeathWatchNotification = 4,
    // 5 was AskFailure, retired before any release: an ask's failure travels as a payload that keeps the
    // exception's type. Do not reuse 5.
    /// <summary><see cref="StopRequest"/>.</summary>
    Stop = 6,
}
