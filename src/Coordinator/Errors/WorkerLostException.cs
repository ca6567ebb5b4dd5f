namespace Actors;

/// <summary>
/// A pool task kept killing the workers that ran it (or its worker died and retries are off): it fails
/// on its own, naming the worker's pid and how its process ended, while every other item completes.
/// </summary>
public sealed class WorkerLostException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public WorkerLostException(string message, int pid, string exit, int? exitCode = null, int? signal = null) : base(message)
    {
        Pid = pid;
        Exit = exit;
        ExitCode = exitCode;
        Signal = signal;
    }

    /// <summary>The pid of the worker process that died.</summary>
    public int Pid { get; }

    /// <summary>How it ended, for example "killed by signal 9 (SIGKILL)".</summary>
    public string Exit { get; }

    /// <summary>The process's exit code when it exited by itself; null if a signal ended it or the exit is unknown.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that ended the process (9 for SIGKILL, 6 for SIGABRT), or null.</summary>
    public int? Signal { get; }
}
