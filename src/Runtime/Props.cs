namespace Actors;

/// <summary>
/// How to create an actor: its factory, its mailbox and how it supervises its own children.
/// Immutable; derive variants with the <c>With*</c> methods.
/// </summary>
public sealed record Props
{
    private Props(Func<Actor> factory, Type actorType)
    {
        Factory = factory;
        ActorType = actorType;
    }

    /// <summary>Creates a new instance; called at spawn and at each restart.</summary>
    public Func<Actor> Factory { get; }

    /// <summary>The type the factory creates, for messages and diagnostics.</summary>
    public Type ActorType { get; }

    /// <summary>The mailbox; null means the actor system's default.</summary>
    public MailboxOptions? Mailbox { get; init; }

    /// <summary>How this actor supervises its children; null means the system's default.</summary>
    public SupervisorStrategy? ChildSupervisor { get; init; }

    /// <summary>Props for an actor with a public parameterless constructor.</summary>
    public static Props Create<TActor>() where TActor : Actor, new() => new(static () => new TActor(), typeof(TActor));

    /// <summary>Props for an actor built by <paramref name="factory"/>, for constructor arguments.</summary>
    public static Props Create<TActor>(Func<TActor> factory) where TActor : Actor
    {
        ArgumentNullException.ThrowIfNull(factory);
        return new Props(factory, typeof(TActor));
    }

    /// <summary>The same props with another mailbox.</summary>
    public Props WithMailbox(MailboxOptions mailbox) => this with { Mailbox = mailbox ?? throw new ArgumentNullException(nameof(mailbox)) };

    /// <summary>The same props with another strategy for this actor's children.</summary>
    public Props WithChildSupervisor(SupervisorStrategy strategy) => this with { ChildSupervisor = strategy ?? throw new ArgumentNullException(nameof(strategy)) };
}
