namespace Actors;

/// <summary>
/// Workers could not be started: the worker executable is missing, a worker crashed during start-up,
/// or workers did not register in time. Every worker already started has been stopped again.
/// </summary>
public sealed class WorkerStartException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public WorkerStartException(string message, Exception? innerException = null) : base(message, innerException) { }
}
