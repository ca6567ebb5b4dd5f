using Actors.Coordination.Cluster;
using Actors.Coordination.Workers;
using Actors.Runtime.Nodes;
using Microsoft.Extensions.Logging;

namespace Actors;

public sealed partial class Coordinator
{
    /// <summary>
    /// Where worker hosts join this coordinator (<c>host:port</c>, what <c>Actors.WorkerNode host --join</c> takes), or null
    /// when <see cref="CoordinatorOptions.Cluster"/> is not set.
    /// </summary>
    public string? ClusterAddress => System.Settings.Config.GetString("akka.actor.provider") is "cluster" && NodeSystem.AddressOf(System) is { Host: { } host, Port: { } port }
        ? $"{host}:{port}"
        : null;

    /// <summary>
    /// Waits until at least <paramref name="count"/> workers are <see cref="WorkerState.Running"/>: with worker hosts, to
    /// start a pool once the hosts it should use have joined (a pool takes the workers there are when it starts).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public async Task WaitForWorkersAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (Workers.Count(w => w.State == WorkerState.Running) >= count)
            {
                enough.TrySetResult();
            }
        }
        Action<int, WorkerInfo> changed = (_, _) => Check();
        WorkerChanged += changed;
        try
        {
            Check(); // after subscribing: a change in between is not missed
            await enough.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            WorkerChanged -= changed;
        }
    }

    /// <summary>Starts <c>/user/hosts</c>, which adds each joining host's worker slots to <paramref name="workers"/>.</summary>
    private static void StartHostDirectory(Akka.Actor.ActorSystem system, WorkerList workers, WorkerLaunch launch, string laneAddress, string bootstrap,
        Task<Akka.Actor.ActorSystem> node, CoordinatorOptions options, ILogger logger)
    {
        Func<string, string, Func<string, CancellationToken, Task<WorkerHandle>>, WorkerProcess> add = (name, host, launcher) =>
        {
            var slot = new WorkerProcess(name, launcher, bootstrap, node, options, logger) { Host = host };
            workers.Add(slot);
            return slot;
        };
        system.ActorOf(Akka.Actor.Props.Create(() => new HostDirectory(add, name => launch.Arguments(name, laneAddress), launch.AppFiles, launch.AppFileHashes, options.StartupTimeout, logger)),
            HostDirectory.Name);
    }
}
