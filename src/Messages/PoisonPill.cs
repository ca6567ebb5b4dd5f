namespace Actors;

/// <summary>
/// Stops the receiving actor gracefully: it is queued like any message, so everything sent before
/// it is processed first. For an immediate stop use <c>ActorSystem.StopAsync</c>.
/// </summary>
public sealed class PoisonPill : IRuntimeMessage
{
    /// <summary>The single instance; the message carries no data.</summary>
    public static PoisonPill Instance { get; } = new();

    private PoisonPill() { }

    /// <inheritdoc />
    public RuntimeMessageId TypeId => RuntimeMessageId.PoisonPill;

    /// <inheritdoc />
    public override string ToString() => nameof(PoisonPill);
}
