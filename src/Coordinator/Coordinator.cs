using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Actors.Runtime.Hosting;
using Actors.Runtime.Remote;
using Actors.Runtime.Remote.Handshake;
using Actors.Runtime.Remote.Transport;
using Actors.Coordination.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Actors;

/// <summary>
/// The embedded coordinator: starts one worker process per core (by default), authenticates them,
/// supervises them (a dead worker is noticed at once and restarted), and places actors on them.
/// Disposing it stops the workers gracefully and kills stragglers; if this process is killed, the
/// workers exit by themselves within moments. Thread-safe.
/// </summary>
public sealed class Coordinator : IAsyncDisposable
{
    private readonly Remoting _remoting;
    private readonly WorkerProcess[] _workers;
    private readonly Assembly[] _allowed;
    private int _placement;
    private int _disposed;

    private Coordinator(ActorSystem system, Remoting remoting, WorkerProcess[] workers, Assembly[] allowed)
    {
        System = system;
        _remoting = remoting;
        _workers = workers;
        _allowed = allowed;
    }

    /// <summary>The coordinator's own actor system (node <c>coordinator</c>): spawn local actors here, or watch remote ones.</summary>
    public ActorSystem System { get; }

    /// <summary>A snapshot of every worker: name, pid, host, cores, state, restarts.</summary>
    public IReadOnlyList<WorkerInfo> Workers => [.. _workers.Select(w => w.Info)];

    /// <summary>The address workers connect to.</summary>
    public string Address => _remoting.ListenAddress!;

    /// <summary>Starts the coordinator and its workers; returns once every worker is registered.</summary>
    /// <exception cref="WorkerStartException">A worker could not start; nothing is left running.</exception>
    public static async Task<Coordinator> StartAsync(CoordinatorOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        options ??= new CoordinatorOptions();
        loggerFactory ??= NullLoggerFactory.Instance;
        Assembly[] allowed = [.. options.AllowedAssemblies.Append(Assembly.GetEntryAssembly()).Append(typeof(Coordinator).Assembly).OfType<Assembly>().Distinct()];
        ActorSystem system = ActorSystem.Create(new ActorSystemOptions
        {
            Name = "coordinator",
            NodeName = "coordinator",
            Serializer = new SerializerOptions { AllowedAssemblies = allowed },
        }, loggerFactory);
        byte[] key = options.AuthKey ?? RandomNumberGenerator.GetBytes(32);
        var remoting = new Remoting(system, options.Remote, key,
            new NodeInfo("coordinator", Environment.ProcessId, Environment.MachineName, Environment.ProcessorCount), SocketTransport.Instance);
        Coordinator? coordinator = null;
        try
        {
            string address = await remoting.ListenAsync(
                options.ListenAddress ?? $"unix:@actors-{Environment.ProcessId}-{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
            WorkerLaunch launch = WorkerLaunch.Create(options, address, allowed);
            ILogger logger = loggerFactory.CreateLogger("Actors.Coordinator");
            WorkerProcess[] workers = [.. Enumerable.Range(1, options.Workers ?? Environment.ProcessorCount)
                .Select(i => new WorkerProcess("worker-" + i.ToString(CultureInfo.InvariantCulture), launch, key, options, logger))];
            coordinator = new Coordinator(system, remoting, workers, allowed);
            remoting.NodeJoined += endpoint => workers.FirstOrDefault(w => w.Name == endpoint.Peer.Name)?.OnJoined(endpoint);
            remoting.NodeLost += (endpoint, _) => workers.FirstOrDefault(w => w.Name == endpoint.Peer.Name)?.OnLost(endpoint);
            await Task.WhenAll(workers.Select(w => w.StartAsync(cancellationToken))).ConfigureAwait(false);
            return coordinator;
        }
        catch
        {
            if (coordinator is not null)
            {
                await coordinator.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                await system.ShutdownAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>The synchronous form of <see cref="StartAsync"/>, for apps without an async entry point.</summary>
    /// <exception cref="WorkerStartException">A worker could not start; nothing is left running.</exception>
    public static Coordinator Start(CoordinatorOptions? options = null, ILoggerFactory? loggerFactory = null) =>
        Task.Run(() => StartAsync(options, loggerFactory)).GetAwaiter().GetResult();

    /// <summary>Starts an actor of type <typeparamref name="TActor"/> on a worker and returns its reference.</summary>
    /// <param name="name">The actor's name on that worker, or null for a generated one.</param>
    /// <param name="worker">The worker's index in <see cref="Workers"/>, or null to let the coordinator place it (round robin over running workers).</param>
    /// <param name="arguments">Constructor arguments; they are serialized like any message.</param>
    /// <exception cref="InvalidOperationException">The actor's assembly is not allowed, or no worker is running.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="worker"/> is not an index of <see cref="Workers"/>.</exception>
    public Task<ActorRef> SpawnAsync<TActor>(string? name = null, int? worker = null, params object?[] arguments) where TActor : Actor
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Type type = typeof(TActor);
        if (!_allowed.Contains(type.Assembly))
        {
            throw new InvalidOperationException($"{type.Name}'s assembly '{type.Assembly.GetName().Name}' is not allowed on the workers; add it to CoordinatorOptions.AllowedAssemblies.");
        }
        WorkerProcess target;
        if (worker is { } index)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(worker));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _workers.Length, nameof(worker));
            target = _workers[index];
        }
        else
        {
            WorkerProcess[] running = [.. _workers.Where(w => w.Info.State == WorkerState.Running)];
            if (running.Length == 0)
            {
                throw new InvalidOperationException("No worker is running; see Coordinator.Workers for their states.");
            }
            target = running[(int)((uint)Interlocked.Increment(ref _placement) % running.Length)];
        }
        ActorRef agent = System.Resolve(new ActorId(target.Name, "/system/" + WorkerAgent.Name, 0));
        return agent.AskAsync<ActorRef>(new SpawnRequest(type.FullName!, type.Assembly.GetName().Name!, arguments, name));
    }

    /// <summary>Replaces a worker's process by a fresh one, outside the restart policy (maxtasksperchild, a stuck task).</summary>
    internal void RecycleWorker(int index) => _workers[index].Recycle();

    internal ILoggerFactory LoggerFactory => System.LoggerFactory;

    /// <summary>Stops the workers (they exit when their connection closes; stragglers are killed after the grace period), then the local actors.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Task stopping = Task.WhenAll(_workers.Select(w => w.StopAsync()));
        await _remoting.DisposeAsync().ConfigureAwait(false);
        await stopping.ConfigureAwait(false);
        await System.ShutdownAsync().ConfigureAwait(false);
    }
}
