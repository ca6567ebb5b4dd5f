using Actors.Runtime.Tasks;
using Akka.Actor;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Pooling;

/// <summary>
/// The pool's handle on its scheduler, <see cref="PoolSchedulerActor"/>: an actor in the coordinator's system that
/// owns every piece of scheduling state. Each call here is a message to it; nothing here blocks or locks.
/// </summary>
internal sealed class PoolScheduler
{
    private readonly IActorRef _actor;
    private readonly PoolSchedulerActor.PumpFlag _pumpRequested;

    private readonly PoolSchedulerActor.PoolSize _size;

    private PoolScheduler(IActorRef actor, PoolSchedulerActor.PoolSize size, PoolSchedulerActor.PumpFlag pumpRequested)
    {
        _actor = actor;
        _size = size;
        _pumpRequested = pumpRequested;
    }

    /// <summary>How many worker processes run the pool's tasks (a pool over every worker grows as hosts join).</summary>
    public int Size => _size.Value;

    /// <summary>Starts the scheduler and a task runner on each of the first <paramref name="processes"/> workers.</summary>
    public static async Task<PoolScheduler> StartAsync(Coordinator coordinator, PoolOptions options, string poolId, TaskFunction? initializer, TrustAssemblies initializerTrust, ILogger logger,
        int processes, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pumpRequested = new PoolSchedulerActor.PumpFlag();
        var size = new PoolSchedulerActor.PoolSize();
        IActorRef actor = coordinator.System.ActorOf(
            Props.Create(() => new PoolSchedulerActor(coordinator, options, poolId, initializer, initializerTrust, logger, processes, started, pumpRequested, size))
                .WithDispatcher(PoolSchedulerActor.Dispatcher), "pool-" + poolId);
        try
        {
            await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            actor.Tell(new PoolSchedulerActor.TerminatePool(KillAll: false, null));
            actor.Tell(PoisonPill.Instance);
            throw;
        }
        return new PoolScheduler(actor, size, pumpRequested);
    }

    public void Submit(PoolJob job) => _actor.Tell(new PoolSchedulerActor.Submit(job));

    /// <summary>Room may have come in a job's window (its consumer took results): send and read more.</summary>
    public void Pump()
    {
        if (_pumpRequested.TrySet())
        {
            _actor.Tell(PoolSchedulerActor.PumpRequest.Instance);
        }
    }

    /// <summary>Lets lazy calls read past their window while the pool is joined (see <see cref="PoolJob.OpenWindow"/>).</summary>
    public void OpenWindows(bool open) => _actor.Tell(new PoolSchedulerActor.OpenWindows(open));

    /// <summary>Completes once no call is in progress.</summary>
    public Task WhenIdle()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new PoolSchedulerActor.WhenIdle(idle));
        return idle.Task;
    }

    /// <summary>Fails every call in progress and stops the processes running its tasks (every worker when <paramref name="killAll"/>).</summary>
    /// <returns>Completes when those processes have exited.</returns>
    public Task Terminate(bool killAll)
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _actor.Tell(new PoolSchedulerActor.TerminatePool(killAll, exited));
        return exited.Task;
    }

    /// <summary>Stops the scheduler actor itself (the pool is disposed); waits still pending complete.</summary>
    public void Stop() => _actor.Tell(PoisonPill.Instance);
}
