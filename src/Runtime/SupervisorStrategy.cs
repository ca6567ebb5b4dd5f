namespace Actors;

/// <summary>What a supervisor does with a child whose message handling threw.</summary>
public enum SupervisorDirective
{
    /// <summary>Keep the instance and its state; go on with the next message.</summary>
    Resume,
    /// <summary>Replace the instance with a fresh one; children are stopped; the mailbox is kept.</summary>
    Restart,
    /// <summary>Stop the child.</summary>
    Stop,
    /// <summary>Fail the supervisor itself with the same exception, for its own parent to decide.</summary>
    Escalate,
}

/// <summary>
/// One-for-one supervision: each failing child is handled alone. A child that needs more than
/// <see cref="MaxRestarts"/> restarts within <see cref="Within"/> is stopped instead.
/// </summary>
public sealed record SupervisorStrategy
{
    /// <summary>Restarts allowed within the window by default.</summary>
    public const int DefaultMaxRestarts = 10; // a restart storm stops after ten tries a minute

    /// <summary>The restart-counting window by default.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromMinutes(1);

    /// <summary>The default: initialization failures stop the child, any other exception restarts it.</summary>
    public static SupervisorStrategy Default { get; } = OneForOne(DefaultDecider);

    /// <summary>Decides per exception.</summary>
    public required Func<Exception, SupervisorDirective> Decider { get; init; }

    /// <summary>Restarts allowed within <see cref="Within"/>; negative means unlimited.</summary>
    public int MaxRestarts { get; init; } = DefaultMaxRestarts;

    /// <summary>The window in which restarts are counted.</summary>
    public TimeSpan Within { get; init; } = DefaultWithin;

    /// <summary>Creates a one-for-one strategy.</summary>
    /// <param name="decider">Decides per exception.</param>
    /// <param name="maxRestarts">Restarts allowed within <paramref name="within"/>; negative means unlimited.</param>
    /// <param name="within">The counting window; null for the default minute.</param>
    public static SupervisorStrategy OneForOne(Func<Exception, SupervisorDirective> decider, int maxRestarts = DefaultMaxRestarts, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(decider);
        TimeSpan w = within ?? DefaultWithin;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(w, TimeSpan.Zero, nameof(within));
        return new SupervisorStrategy { Decider = decider, MaxRestarts = maxRestarts, Within = w };
    }

    /// <summary>Initialization failures stop; everything else restarts.</summary>
    public static SupervisorDirective DefaultDecider(Exception exception) =>
        exception is ActorInitializationException ? SupervisorDirective.Stop : SupervisorDirective.Restart;
}
