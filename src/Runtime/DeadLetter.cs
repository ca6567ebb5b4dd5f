namespace Actors;

/// <summary>A message that could not be delivered, as published to dead-letter subscribers.</summary>
/// <param name="Message">The undelivered message.</param>
/// <param name="Sender">Its sender, if any.</param>
/// <param name="Recipient">The intended recipient.</param>
/// <param name="Reason">Why it was not delivered, in words.</param>
public sealed record DeadLetter(object Message, ActorRef? Sender, ActorRef Recipient, string Reason);
