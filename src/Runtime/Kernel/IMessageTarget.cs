namespace Actors.Runtime.Kernel;

/// <summary>Where an <see cref="ActorRef"/> delivers: a local cell, an ask's promise, a remote endpoint or nothing.</summary>
internal interface IMessageTarget
{
    ActorSystem System { get; }

    /// <summary>Delivers a user message; never throws for a full or dead target (that is a dead letter).</summary>
    void Post(object message, ActorRef? sender);

    /// <summary>Delivers a user message, waiting for mailbox space when the mailbox is bounded.</summary>
    ValueTask PostAsync(object message, ActorRef? sender, CancellationToken cancellationToken);

    /// <summary>Delivers a runtime message (watch, stop, failure...) ahead of user messages.</summary>
    void PostSystem(SystemMessage message);
}

/// <summary>A target that stands for a pending ask and can be failed with the exception the asked actor threw.</summary>
internal interface IAskTarget
{
    void Fail(Exception exception);
}
