using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Actors.Runtime.Hosting;
using Actors.Runtime.Nodes;
using Actors.Runtime.Lane;
using Actors.Runtime.Lane.Handshake;
using Actors.Runtime.Lane.Transport;
using Actors.Coordination.Cluster;
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
public sealed partial class Coordinator : IAsyncDisposable
{
    private readonly LaneListener _lanes;
    private readonly LaneListener? _hostLanes;
    private readonly WorkerList _workers;
    private int _placement;
    private int _disposed;

    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _certificate;

    /// <summary>The certificate of this coordinator's Akka.Remote connections (tests impersonate a worker with it).</summary>
    internal System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate => _certificate;
    private readonly bool _ownsSystem;

    private Coordinator(Akka.Actor.ActorSystem system, LaneListener lanes, LaneListener? hostLanes, WorkerList workers,
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, ILoggerFactory loggerFactory, bool ownsSystem)
    {
        _hostLanes = hostLanes;
        _ownsSystem = ownsSystem;
        _certificate = certificate;
        System = system;
        Serializer = Runtime.Serialization.AkkaPayloadSerializer.Of(system); // looked up once: every pool call uses it
        LoggerFactory = loggerFactory;
        _lanes = lanes;
        _workers = workers;
        workers.Changed += (index, info) => WorkerChanged?.Invoke(index, info);
        workers.Watch();
        _stopAtExit = Actors.Runtime.Hosting.ExitHooks.Add(StopAtExit);
    }

    private readonly IDisposable _stopAtExit;

    /// <summary>How long an app that exits without disposing the coordinator waits for it to stop its workers.</summary>
    private static readonly TimeSpan StopAtExitTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The app is exiting and never disposed this coordinator (as CPython's finalizers stop a pool nobody closed): the
    /// workers are stopped the ordinary way, so they leave quietly rather than report a lost coordinator.
    /// </summary>
    private void StopAtExit()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            DisposeAsync().AsTask().Wait(StopAtExitTimeout);
        }
    }

    /// <summary>The coordinator's Akka actor system: spawn local actors here, watch actors on workers, ask them.</summary>
    public Akka.Actor.ActorSystem System { get; }

    /// <summary>The payload serializer bound into <see cref="System"/>, for what travels on the lanes.</summary>
    internal IPayloadSerializer Serializer { get; }

    /// <summary>A snapshot of every worker: name, pid, host, cores, state, restarts.</summary>
    public IReadOnlyList<WorkerInfo> Workers => [.. _workers.Snapshot.Select(w => w.Info)];

    /// <summary>The address workers connect to.</summary>
    public string Address => _lanes.Address!;

    /// <summary>Starts the coordinator and its workers; returns once every worker is registered.</summary>
    /// <exception cref="WorkerStartException">A worker could not start; nothing is left running.</exception>
    public static Task<Coordinator> StartAsync(CoordinatorOptions? options = null, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartCoreAsync(options, loggerFactory, null, cancellationToken);

    /// <summary>
    /// Starts the coordinator on <paramref name="hosted"/>, an actor system the app owns (Akka.Hosting) that was started
    /// with <see cref="NodeSystem.Setups"/> for <paramref name="hosted"/>'s certificate and the product's HOCON; or, when
    /// null, on an actor system of its own.
    /// </summary>
    internal static async Task<Coordinator> StartCoreAsync(CoordinatorOptions? options, ILoggerFactory? loggerFactory,
        (Akka.Actor.ActorSystem System, System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate)? hosted, CancellationToken cancellationToken)
    {
        RefuseInAnUnfrozenWorker();
        options ??= new CoordinatorOptions();
        if (options.Processes == 0 && options.Cluster is null)
        {
            throw new ArgumentException("CoordinatorOptions.Processes is 0 and no Cluster is set: there would be no worker at all.", nameof(options));
        }
        if (options.Cluster is not null && hosted is not null)
        {
            throw new NotSupportedException("CoordinatorOptions.Cluster needs the coordinator's own actor system; with Akka.Hosting, leave Cluster unset.");
        }
        loggerFactory ??= NullLoggerFactory.Instance;
        Assembly[] allowed = AllowedAssemblies(options);
        byte[] key = options.AuthKey ?? RandomNumberGenerator.GetBytes(32);
        Coordinator? coordinator = null;
        Akka.Actor.ActorSystem? system = null;
        LaneListener? lanes = null;
        LaneListener? hostLanes = null;
        System.Security.Cryptography.X509Certificates.X509Certificate2? certificate = null;
        var node = new TaskCompletionSource<Akka.Actor.ActorSystem>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task starting = Task.CompletedTask;
        try
        {
            // Akka's TLS uses it for the coordinator's whole life; a cluster's is the user's, shared with its hosts (a copy:
            // the coordinator disposes its own, never the app's).
            certificate = hosted?.Certificate ?? (options.Cluster is { } cluster ? NodeCertificate.Load(NodeCertificate.Export(cluster.Certificate)) : NodeCertificate.Create());
            string laneAddress = options.ListenAddress ?? $"unix:@actors-{Environment.ProcessId}-{Guid.NewGuid():N}";
            WorkerLaunch launch = WorkerLaunch.Create(options, laneAddress, allowed);
            ILogger logger = loggerFactory.CreateLogger("Actors.Coordinator");
            string bootstrap = new WorkerBootstrap(Convert.ToHexString(key), NodeCertificate.Export(certificate), options.AkkaConfig).ToLine();
            Func<string, CancellationToken, Task<WorkerHandle>> local = (name, _) => Task.FromResult<WorkerHandle>(LocalWorkerHandle.Start(name, launch.StartInfo(name)));
            var workers = new WorkerList(Enumerable.Range(1, options.Processes ?? Environment.ProcessorCount)
                .Select(i => new WorkerProcess("worker-" + i.ToString(CultureInfo.InvariantCulture), local, bootstrap, node.Task, options, logger)));
            // The workers start their runtime and their own actor systems while this one starts: each waits for
            // this node's address (its second standard-input line) only to announce itself.
            starting = Task.WhenAll(workers.Snapshot.Select(w => w.StartAsync(cancellationToken)));
            system = hosted?.System ?? NodeSystem.Start(options.Cluster is { } clustered
                    ? NodeSystem.ClusterConfig(options.AkkaConfig, clustered.Hostname, clustered.Port, HostDirectory.CoordinatorRole)
                    : NodeSystem.Merge(options.AkkaConfig),
                certificate, new SerializerOptions { AllowedAssemblies = allowed });
            var self = new NodeInfo("coordinator", Environment.ProcessId, Environment.MachineName, Environment.ProcessorCount);
            IPayloadSerializer serializer = Runtime.Serialization.AkkaPayloadSerializer.Of(system);
            LaneListener Lanes(ITransport transport)
            {
                var listener = new LaneListener(options.Lane, key, self, transport, serializer, loggerFactory.CreateLogger("Actors.Lane"));
                listener.Joined += lane => workers.Find(lane.Peer.Name)?.OnJoined(lane);
                return listener;
            }
            lanes = Lanes(SocketTransport.Instance);
            await lanes.ListenAsync(laneAddress, cancellationToken).ConfigureAwait(false);
            system.ActorOf(Akka.Actor.Props.Create(() => new WorkerDirectory(workers)), WorkerDirectoryPath.Name);
            if (options.Cluster is { } hostsJoin)
            {
                // The hosts' workers connect their lanes here, over TCP inside mutual TLS with the cluster's certificate.
                hostLanes = Lanes(new SocketTransport(certificate));
                string hostLaneAddress = await hostLanes.ListenAsync($"tls:{hostsJoin.Hostname}:{hostsJoin.LanePort}", cancellationToken).ConfigureAwait(false);
                StartHostDirectory(system, workers, launch, hostLaneAddress, bootstrap, node.Task, options, logger);
                Akka.Cluster.Cluster.Get(system).Join(NodeSystem.AddressOf(system)); // the first member; hosts join it
            }
            coordinator = new Coordinator(system, lanes, hostLanes, workers, certificate, loggerFactory, ownsSystem: hosted is null);
            node.SetResult(system);
            await starting.ConfigureAwait(false);
            return coordinator;
        }
        catch (Exception ex)
        {
            node.TrySetException(ex); // workers still waiting for this node stop and leave no process behind
            await starting.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (coordinator is not null)
            {
                await coordinator.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (lanes is not null)
                {
                    await lanes.DisposeAsync().ConfigureAwait(false);
                }
                if (hostLanes is not null)
                {
                    await hostLanes.DisposeAsync().ConfigureAwait(false);
                }
                if (system is not null && hosted is null)
                {
                    await system.Terminate().ConfigureAwait(false);
                    certificate?.Dispose();
                }
            }
            throw;
        }
    }

    /// <summary>How long disposal waits for the coordinator's actor system to terminate before it stops the workers anyway.</summary>
    private static readonly TimeSpan TerminateTimeout = TimeSpan.FromSeconds(10); // Akka's own shutdown phases take at most a few seconds

    [LoggerMessage(Level = LogLevel.Warning, Message = "The coordinator's actor system did not terminate within {Timeout}; the workers are stopped anyway")]
    private static partial void LogTerminateTimedOut(ILogger logger, TimeSpan timeout);

    /// <summary>What may travel to the workers: the app's listed assemblies, its entry assembly and this one.</summary>
    internal static Assembly[] AllowedAssemblies(CoordinatorOptions options) =>
        [.. options.AllowedAssemblies.Append(Assembly.GetEntryAssembly()).Append(typeof(Coordinator).Assembly).OfType<Assembly>().Distinct()];

    /// <summary>The synchronous form of <see cref="StartAsync"/>, for apps without an async entry point.</summary>
    /// <exception cref="WorkerStartException">A worker could not start; nothing is left running.</exception>
    public static Coordinator Start(CoordinatorOptions? options = null, ILoggerFactory? loggerFactory = null) =>
        Task.Run(() => StartAsync(options, loggerFactory)).GetAwaiter().GetResult();

    /// <summary>The default time <see cref="SpawnAsync{TActor}(string?, int?, object?[])"/> waits for the worker's answer.</summary>
    public static readonly TimeSpan DefaultSpawnTimeout = TimeSpan.FromSeconds(10); // a loaded worker still answers in well under a second

    /// <summary>Starts an Akka actor of type <typeparamref name="TActor"/> on a worker and returns its reference.</summary>
    /// <param name="name">The actor's name on that worker, or null for a generated one.</param>
    /// <param name="worker">The worker's index in <see cref="Workers"/>, or null to let the coordinator place it (round robin over running workers).</param>
    /// <param name="arguments">Constructor arguments; they are serialized like any message, here, so one that cannot travel fails this call.</param>
    /// <remarks>
    /// The app's own code names the actor type here, so its assembly (and those of the arguments) is trusted on the worker
    /// for this and later messages, without listing it in <see cref="CoordinatorOptions.AllowedAssemblies"/>.
    /// </remarks>
    /// <exception cref="InvalidOperationException">No worker is running, or the worker refused.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="worker"/> is not an index of <see cref="Workers"/>.</exception>
    /// <exception cref="PayloadSerializationException">An argument cannot travel to a worker; the message names it.</exception>
    /// <exception cref="TimeoutException">The worker did not answer within <see cref="DefaultSpawnTimeout"/>.</exception>
    public Task<Akka.Actor.IActorRef> SpawnAsync<TActor>(string? name = null, int? worker = null, params object?[] arguments) where TActor : Akka.Actor.ActorBase =>
        SpawnAsync<TActor>(name, worker, CancellationToken.None, arguments);

    /// <summary>Starts an Akka actor of type <typeparamref name="TActor"/> on a worker; the wait for the worker's answer can be cancelled.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    public Task<Akka.Actor.IActorRef> SpawnAsync<TActor>(string? name, int? worker, CancellationToken cancellationToken, params object?[] arguments) where TActor : Akka.Actor.ActorBase
    {
        WorkerProcess target = Place(worker);
        TrustAssemblies trust = Trust([typeof(TActor), .. arguments.Select(a => a?.GetType())]);
        var request = new SpawnRequest(typeof(TActor).FullName!, typeof(TActor).Assembly.GetName().Name!, arguments, name);
        if (Serializer.Serialize<object>(request).Length > AkkaFrameLimit) // an argument that cannot travel fails here, named
        {
            throw new MessageTooLargeException($"The arguments of {typeof(TActor).Name} serialize to more than Akka.Remote's frame size ({AkkaFrameLimit:N0} bytes); pass the data in a message with Coordinator.Tell, which uses the lane for large ones, or raise akka.remote.dot-netty.tcp.maximum-frame-size.");
        }
        LaneConnection lane = target.Lane ?? throw new InvalidOperationException($"{target.Name} is not running; see Coordinator.Workers for its state.");
        return SpawnCoreAsync(target, lane, trust, request, cancellationToken);
    }

    private static async Task<Akka.Actor.IActorRef> SpawnCoreAsync(WorkerProcess target, LaneConnection lane, TrustAssemblies trust, SpawnRequest request, CancellationToken cancellationToken)
    {
        Akka.Actor.IActorRef agent;
        try
        {
            agent = await target.AgentAsync.WaitAsync(DefaultSpawnTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{target.Name}'s process stopped or exited before its actor system said hello; see Coordinator.Workers for its state.");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{target.Name}'s actor system did not say hello over Akka.Remote within {DefaultSpawnTimeout}; its output says why (its lane is up, so the Pool still runs there).");
        }
        if (trust.Names.Length > 0)
        {
            // Over the lane and answered: the spawn request goes over Akka.Remote, which is not ordered with the lane.
            await lane.AskAsync<bool>(trust, DefaultSpawnTimeout).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return await Akka.Actor.Futures.Ask<Akka.Actor.IActorRef>(agent, request, DefaultSpawnTimeout, cancellationToken).ConfigureAwait(false);
    }

    private WorkerProcess Place(int? worker)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (worker is { } index)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(worker));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _workers.Count, nameof(worker));
            return _workers[index];
        }
        WorkerProcess[] running = [.. _workers.Snapshot.Where(w => w.Info.State == WorkerState.Running)];
        if (running.Length == 0)
        {
            throw new InvalidOperationException("No worker is running; see Coordinator.Workers for their states.");
        }
        return running[(int)((uint)Interlocked.Increment(ref _placement) % running.Length)];
    }

    /// <summary>Replaces a worker's process by a fresh one, outside the restart policy (maxtasksperchild, a stuck task).</summary>
    /// <returns>Completes when the old process has exited.</returns>
    internal Task RecycleWorker(int index) => _workers[index].Recycle();

    /// <summary>Kills every worker process at once, for good (a pool that owns this coordinator was terminated); completes when all have exited.</summary>
    internal Task KillWorkersAsync() => Task.WhenAll(_workers.Snapshot.Select(w => w.KillAsync()));

    internal ILoggerFactory LoggerFactory { get; }

    /// <summary>Raised after any change of a worker's <see cref="WorkerInfo"/>, with its index in <see cref="Workers"/>.</summary>
    internal event Action<int, WorkerInfo>? WorkerChanged;

    /// <summary>The lane of a worker's current process, or null while it is not running.</summary>
    internal LaneConnection? LaneOf(int worker) => _workers[worker].Lane;

    /// <summary>Whether the worker runs on this machine (shares its /dev/shm), not on a host that joined.</summary>
    internal bool IsLocal(int worker) => _workers[worker].Host is null;

    /// <summary>Stops the coordinator's actor system, then the workers (they exit when their lane closes; stragglers are killed after the grace period).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopAtExit.Dispose();
        // A worker whose hello over Akka.Remote is still on its way (disposed right after start) is given a moment.
        await Task.WhenAll(_workers.Snapshot.Select(w => w.HelloSettledAsync())).ConfigureAwait(false);
        // Akka first: its associations with the workers end gracefully, not as failures when the workers exit.
        // An actor system the app owns (Akka.Hosting) is left to the app, which is stopping it anyway.
        if (_ownsSystem)
        {
            // Bounded: an actor whose thread is stuck in user code (a callback that never returns) would hold Akka's
            // termination forever, and the workers must stop regardless.
            Task terminated = System.Terminate();
            if (await Task.WhenAny(terminated, Task.Delay(TerminateTimeout)).ConfigureAwait(false) != terminated)
            {
                LogTerminateTimedOut(LoggerFactory.CreateLogger("Actors.Coordinator"), TerminateTimeout);
            }
        }
        Task stopping = Task.WhenAll(_workers.Snapshot.Select(w => w.StopAsync()));
        await _lanes.DisposeAsync().ConfigureAwait(false);
        if (_hostLanes is not null)
        {
            await _hostLanes.DisposeAsync().ConfigureAwait(false);
        }
        await stopping.ConfigureAwait(false);
        if (_ownsSystem)
        {
            _certificate.Dispose();
        }
    }
}
