namespace Actors;

/// <summary>How an actor's mailbox queues and dispatches messages.</summary>
public sealed record MailboxOptions
{
    /// <summary>Messages an actor handles before it yields its thread to other actors.</summary>
    public const int DefaultThroughput = 100; // large enough to amortise scheduling, small enough to stay fair

    private readonly int? _capacity;
    private readonly int _throughput = DefaultThroughput;

    /// <summary>An unbounded mailbox with the default throughput.</summary>
    public static MailboxOptions Unbounded { get; } = new();

    /// <summary>
    /// Null for an unbounded mailbox. With a capacity, <see cref="ActorRef.TellAsync"/> waits for space
    /// (backpressure) and <see cref="ActorRef.Tell"/> on a full mailbox sends the message to dead
    /// letters with reason "mailbox full".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int? Capacity
    {
        get => _capacity;
        init
        {
            if (value is { } v) ArgumentOutOfRangeException.ThrowIfLessThan(v, 1, nameof(Capacity));
            _capacity = value;
        }
    }

    /// <summary>Messages handled per turn on a thread before the actor yields (fair dispatch).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Throughput
    {
        get => _throughput;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Throughput));
            _throughput = value;
        }
    }

    /// <summary>A bounded mailbox of <paramref name="capacity"/> messages.</summary>
    public static MailboxOptions Bounded(int capacity) => new() { Capacity = capacity };
}
