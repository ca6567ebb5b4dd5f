namespace Actors;

/// <summary>Settings of the lanes between the coordinator and its workers (the data plane), validated when set.</summary>
public sealed record LaneOptions
{
    /// <summary>The largest message by default.</summary>
    public const int DefaultMaxMessageSize = 64 << 20; // large arrays fit; a runaway message cannot eat the memory

    /// <summary>How often an idle connection proves it is alive, by default.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>Silence after which a node is declared lost, by default.</summary>
    public static readonly TimeSpan DefaultHeartbeatTimeout = TimeSpan.FromSeconds(5); // five missed beats: a GC pause is not a death

    /// <summary>How long a peer has to pass the key challenge, by default.</summary>
    public static readonly TimeSpan DefaultHandshakeTimeout = TimeSpan.FromSeconds(5);

    private readonly int _maxMessageSize = DefaultMaxMessageSize;
    private readonly TimeSpan _heartbeatInterval = DefaultHeartbeatInterval;
    private readonly TimeSpan _heartbeatTimeout = DefaultHeartbeatTimeout;
    private readonly TimeSpan _handshakeTimeout = DefaultHandshakeTimeout;

    /// <summary>The largest serialized message a node sends or accepts; a larger one fails at the sender.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Under 1 KiB.</exception>
    public int MaxMessageSize
    {
        get => _maxMessageSize;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1024, nameof(MaxMessageSize)); _maxMessageSize = value; }
    }

    /// <summary>How often a connection sends a heartbeat when it has nothing else to send.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan HeartbeatInterval
    {
        get => _heartbeatInterval;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(HeartbeatInterval)); _heartbeatInterval = value; }
    }

    /// <summary>How long a connection may stay silent before its node is declared lost.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan HeartbeatTimeout
    {
        get => _heartbeatTimeout;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(HeartbeatTimeout)); _heartbeatTimeout = value; }
    }

    /// <summary>How long a new connection has to complete the hello and key challenge.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(HandshakeTimeout)); _handshakeTimeout = value; }
    }
}
