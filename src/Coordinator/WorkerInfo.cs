namespace Actors;

/// <summary>Where a worker is in its life.</summary>
public enum WorkerState
{
    /// <summary>Its process is starting and has not passed the key challenge yet.</summary>
    Starting,
    /// <summary>Its lane connected and authenticated: it runs Pool tasks. Its actor system says hello over Akka.Remote moments later; <c>SpawnAsync</c> waits for that.</summary>
    Running,
    /// <summary>It died and a new process is being started under the restart policy.</summary>
    Restarting,
    /// <summary>It died more often than the restart policy allows; it is not restarted again.</summary>
    Failed,
    /// <summary>Stopped on purpose with its coordinator.</summary>
    Stopped,
    /// <summary>A worker on another machine whose host left the cluster (cut off, or stopped); it starts again when the host joins again.</summary>
    Disconnected,
}

/// <summary>A read-only snapshot of one worker process.</summary>
/// <param name="Name">The worker's node name (<c>worker-1</c>, ...), stable across its restarts.</param>
/// <param name="Pid">The current process id (0 before the first start).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Cores">The cores it sees.</param>
/// <param name="State">Where it is in its life.</param>
/// <param name="Restarts">How often it was restarted.</param>
/// <param name="LastExit">How its last process ended, for example "exit code 1" or "killed by signal 9 (SIGKILL)", or null.</param>
public sealed record WorkerInfo(string Name, int Pid, string Host, int Cores, WorkerState State, int Restarts, string? LastExit)
{
    /// <summary>The exit code of its last process when that process exited by itself; null if a signal ended it, or none has ended.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that ended its last process (9 for SIGKILL, 6 for SIGABRT), or null.</summary>
    public int? Signal { get; init; }
}
