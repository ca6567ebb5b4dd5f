namespace Actors;

/// <summary>Settings of one actor system, validated when set.</summary>
public sealed record ActorSystemOptions
{
    /// <summary>How long an ask waits by default.</summary>
    public static readonly TimeSpan DefaultAskTimeout = TimeSpan.FromSeconds(30); // long enough for real work, short enough to notice a lost reply

    /// <summary>How long shutdown waits for actors to stop by default.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10); // hooks get time; a stuck one cannot hold the process forever

    private readonly string _name = "actors";
    private readonly string _nodeName = "local";
    private readonly TimeSpan _askTimeout = DefaultAskTimeout;
    private readonly TimeSpan _shutdownTimeout = DefaultShutdownTimeout;

    /// <summary>The system's name, used in logs and messages.</summary>
    public string Name { get => _name; init => _name = RequireToken(value, nameof(Name)); }

    /// <summary>This node's name inside actor ids (<c>actors://node/...</c>).</summary>
    public string NodeName { get => _nodeName; init => _nodeName = RequireToken(value, nameof(NodeName)); }

    /// <summary>The mailbox of actors whose props name none.</summary>
    public MailboxOptions DefaultMailbox { get; init; } = MailboxOptions.Unbounded;

    /// <summary>How the guardians, and actors whose props name none, supervise their children.</summary>
    public SupervisorStrategy DefaultSupervisor { get; init; } = SupervisorStrategy.Default;

    /// <summary>How long <see cref="ActorRef.AskAsync{T}"/> waits when given no timeout.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan AskTimeout
    {
        get => _askTimeout;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(AskTimeout)); _askTimeout = value; }
    }

    /// <summary>How long shutdown waits for every actor to stop before it gives up on stragglers.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan ShutdownTimeout
    {
        get => _shutdownTimeout;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(ShutdownTimeout)); _shutdownTimeout = value; }
    }

    /// <summary>What the payload serializer may encode and decode.</summary>
    public SerializerOptions Serializer { get; init; } = new();

    private static string RequireToken(string value, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value, name);
        if (value.AsSpan().IndexOfAny("/#: ") >= 0)
        {
            throw new ArgumentException($"{name} '{value}' must not contain '/', '#', ':' or spaces.", name);
        }
        return value;
    }
}
