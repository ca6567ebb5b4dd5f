using Actors.Coordination.Workers;
using Akka.Actor;

namespace Actors.Coordination.Cluster;

/// <summary>
/// A worker process that a host agent started on another machine; its exit arrives from the agent, or its host's removal from
/// the cluster ends it. What it tells the agent is sent as <paramref name="directory"/>: the agent obeys the coordinator only.
/// </summary>
internal sealed class HostWorkerHandle(IActorRef agent, IActorRef directory, string node, int pid) : WorkerHandle
{
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _hostLost;

    public string Node => node;

    public override int Pid => pid;

    public override Task<int> Exited => _exited.Task;

    public override string? HostLost => _hostLost;

    public override ValueTask WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        agent.Tell(new HostWorkerInput(node, pid, line), directory); // over Akka.Remote, inside the cluster's mutual TLS
        return default;
    }

    public override void Kill() => agent.Tell(new KillHostWorker(node, pid), directory);

    public void OnExited(int exitCode) => _exited.TrySetResult(exitCode);

    public void OnHostLost(string reason)
    {
        _hostLost = reason;
        _exited.TrySetResult(-1);
    }
}
