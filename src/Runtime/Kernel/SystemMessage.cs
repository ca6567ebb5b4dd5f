namespace Actors.Runtime.Kernel;

/// <summary>The kernel's own messages; a cell handles them before any user message.</summary>
internal abstract record SystemMessage;

internal sealed record CreateMessage : SystemMessage
{
    public static readonly CreateMessage Instance = new();
}

internal sealed record StopMessage : SystemMessage
{
    public static readonly StopMessage Instance = new();
}

internal sealed record ResumeMessage : SystemMessage
{
    public static readonly ResumeMessage Instance = new();
}

internal sealed record RestartMessage(Exception Cause) : SystemMessage;

/// <summary>A child reports that it failed and is suspended until its parent decides.</summary>
internal sealed record FailedMessage(ActorCell Child, Exception Cause) : SystemMessage;

internal sealed record ChildTerminatedMessage(ActorCell Child) : SystemMessage;

/// <summary>Sent to the watched actor.</summary>
internal sealed record WatchMessage(ActorRef Watcher) : SystemMessage;

internal sealed record UnwatchMessage(ActorRef Watcher) : SystemMessage;

/// <summary>Sent to the watcher.</summary>
internal sealed record DeathNotificationMessage(ActorRef Actor, bool ExistenceConfirmed, bool NodeLost) : SystemMessage;
