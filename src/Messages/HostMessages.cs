namespace Actors.Messages;

/// <summary>
/// A worker host's first word to its coordinator (to <c>/user/hosts</c>), once it is a member of the coordinator's
/// cluster: its name, its cores, and how many worker processes it runs.
/// </summary>
internal sealed record HostHello(string Host, int Cores, int Processes);

/// <summary>The coordinator's answer to a <see cref="HostHello"/>: the host's workers start now. Until it comes, the agent says hello again.</summary>
internal sealed record HostAccepted(string Host);

/// <summary>
/// Asks a host agent to start one worker process, <paramref name="Node"/>, with these worker arguments (the agent adds
/// its own pid as the parent and its address for Akka.Remote). <paramref name="DepsFile"/> and
/// <paramref name="RuntimeConfig"/> are the file names of the app's deps.json and runtimeconfig.json, used when the
/// host's directory has them. <paramref name="AppFiles"/> are the app's assemblies as <c>FILE=SHA256</c>: the host must
/// have the same build of each, or it refuses. The reply is <see cref="HostWorkerStarted"/>.
/// </summary>
internal sealed record StartHostWorker(string Node, string[] Arguments, string? DepsFile, string? RuntimeConfig, string[] AppFiles);

/// <summary>The process a host agent started for <paramref name="Node"/>.</summary>
internal sealed record HostWorkerStarted(string Node, int Pid);

/// <summary>A line for the standard input of a host's worker (its bootstrap: secrets never travel on a command line).</summary>
internal sealed record HostWorkerInput(string Node, int Pid, string Line);

/// <summary>Asks a host agent to kill a worker process (SIGKILL).</summary>
internal sealed record KillHostWorker(string Node, int Pid);

/// <summary>From a host agent: a worker process exited with <paramref name="ExitCode"/> (128 + N after signal N).</summary>
internal sealed record HostWorkerExited(string Node, int Pid, int ExitCode);
