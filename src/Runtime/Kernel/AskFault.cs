namespace Actors.Runtime.Kernel;

/// <summary>Carries the exception that failed an ask back to a remote asker; the exception keeps its type where it can.</summary>
internal sealed record AskFault(Exception Exception);
