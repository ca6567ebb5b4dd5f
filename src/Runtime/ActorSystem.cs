using System.Collections.Concurrent;
using Actors.Runtime.Kernel;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Actors;

/// <summary>
/// A home for actors: spawns top-level actors under its user guardian, keeps the dead-letter count,
/// and shuts everything down in order (children before parents). Thread-safe.
/// </summary>
public sealed partial class ActorSystem : IAsyncDisposable
{
    private readonly ActorCell _userGuardian;
    private readonly ActorCell _systemGuardian;
    private readonly ConcurrentDictionary<string, ActorCell> _cells = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _whenTerminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastUid;
    private int _shuttingDown;

    private ActorSystem(ActorSystemOptions options, ILoggerFactory loggerFactory)
    {
        Options = options;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("Actors.ActorSystem");
        DeadLetters = new DeadLetterOffice(loggerFactory.CreateLogger("Actors.DeadLetters"));
        Serializer = new PayloadSerializer(options.Serializer, this);
        Props guardian = Props.Create(static () => new GuardianActor());
        _userGuardian = new ActorCell(this, null, guardian, "/user");
        _systemGuardian = new ActorCell(this, null, guardian, "/system");
        _userGuardian.PostSystem(CreateMessage.Instance);
        _systemGuardian.PostSystem(CreateMessage.Instance);
    }

    /// <summary>Creates and starts an actor system.</summary>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <param name="loggerFactory">Where dead letters, failures and lifecycle problems are logged; null for none.</param>
    public static ActorSystem Create(ActorSystemOptions? options = null, ILoggerFactory? loggerFactory = null) =>
        new(options ?? new ActorSystemOptions(), loggerFactory ?? NullLoggerFactory.Instance);

    /// <summary>The system's name.</summary>
    public string Name => Options.Name;

    /// <summary>The settings the system was created with.</summary>
    public ActorSystemOptions Options { get; }

    /// <summary>The serializer for payloads that cross process boundaries; it resolves actor references against this system.</summary>
    public IPayloadSerializer Serializer { get; }

    /// <summary>How many messages could not be delivered since the system started.</summary>
    public long DeadLetterCount => DeadLetters.Count;

    /// <summary>Completes when <see cref="ShutdownAsync"/> has finished.</summary>
    public Task WhenTerminated => _whenTerminated.Task;

    internal string NodeName => Options.NodeName;

    internal ILoggerFactory LoggerFactory { get; }

    internal ILogger Logger { get; }

    internal DeadLetterOffice DeadLetters { get; }

    internal PromiseRegistry Promises { get; } = new();

    /// <summary>Starts a top-level actor under the user guardian.</summary>
    /// <param name="props">How to create the actor.</param>
    /// <param name="name">A name unique among top-level actors, or null for a generated one.</param>
    /// <exception cref="ArgumentException">The name is invalid or taken.</exception>
    /// <exception cref="InvalidOperationException">The system is shut down.</exception>
    public ActorRef Spawn(Props props, string? name = null) => _userGuardian.Spawn(props, name);

    /// <summary>Starts a runtime actor under the system guardian, apart from the app's actors.</summary>
    internal ActorRef SpawnSystemActor(Props props, string name) => _systemGuardian.Spawn(props, name);

    /// <summary>Stops an actor now: its children stop first, its queued messages become dead letters.</summary>
    /// <param name="actor">The actor to stop.</param>
    /// <param name="timeout">How long to wait for it to finish stopping; null for the shutdown timeout.</param>
    /// <exception cref="TimeoutException">The actor did not finish stopping in time (a hook is stuck).</exception>
    public async Task StopAsync(ActorRef actor, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        actor.Target.PostSystem(StopMessage.Instance);
        if (actor.Target is ActorCell cell)
        {
            await cell.Terminated.WaitAsync(timeout ?? Options.ShutdownTimeout).ConfigureAwait(false);
        }
    }

    /// <summary>Sends every future <see cref="DeadLetter"/> to <paramref name="subscriber"/> too.</summary>
    public void SubscribeDeadLetters(ActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        DeadLetters.Subscribe(subscriber);
    }

    /// <summary>Ends a <see cref="SubscribeDeadLetters"/>.</summary>
    public void UnsubscribeDeadLetters(ActorRef subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        DeadLetters.Unsubscribe(subscriber);
    }

    /// <summary>
    /// Stops every actor, children before parents, waits up to <see cref="ActorSystemOptions.ShutdownTimeout"/>,
    /// then fails every ask still waiting with <see cref="ActorTerminatedException"/>. Safe to call more than once.
    /// </summary>
    public async Task ShutdownAsync()
    {
        if (Interlocked.Exchange(ref _shuttingDown, 1) == 1)
        {
            await WhenTerminated.ConfigureAwait(false);
            return;
        }
        try
        {
            foreach (ActorCell guardian in new[] { _userGuardian, _systemGuardian })
            {
                guardian.PostSystem(StopMessage.Instance);
                try
                {
                    await guardian.Terminated.WaitAsync(Options.ShutdownTimeout).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    LogShutdownTimeout(Logger, Name, guardian.Self.Path, Options.ShutdownTimeout);
                }
            }
        }
        finally
        {
            if (Remote is { } remote)
            {
                await remote.DisposeAsync().ConfigureAwait(false);
            }
            Promises.FailAll(() => new ActorTerminatedException($"The actor system '{Name}' shut down before a reply arrived."));
            _whenTerminated.TrySetResult();
        }
    }

    /// <summary>Same as <see cref="ShutdownAsync"/>.</summary>
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    internal long NextUid() => Interlocked.Increment(ref _lastUid);

    internal void Register(ActorCell cell) => _cells[cell.Self.Path] = cell;

    internal void Unregister(ActorCell cell) => _cells.TryRemove(new KeyValuePair<string, ActorCell>(cell.Self.Path, cell));

    /// <summary>Finds a live local actor by id; a uid of 0 matches any incarnation.</summary>
    internal ActorRef? FindLocal(ActorId id)
    {
        if (id.Path.StartsWith("/temp/", StringComparison.Ordinal))
        {
            return Promises.Find(id.Uid)?.Ref;
        }
        return _cells.TryGetValue(id.Path, out ActorCell? cell) && (id.Uid == 0 || cell.Self.Id.Uid == id.Uid) ? cell.Self : null;
    }

    /// <summary>The connections to other nodes, once remoting is started on this system.</summary>
    internal Actors.Runtime.Remote.Remoting? Remote { get; set; }

    /// <summary>A working reference for an id that arrived in a message: the live local actor, or one that reports itself dead.</summary>
    internal ActorRef Resolve(ActorId id) =>
        (id.Node == NodeName ? FindLocal(id) : Remote?.Resolve(id)) ?? new ActorRef(id, new DeadTarget(this, id));

    /// <inheritdoc />
    public override string ToString() => $"ActorSystem({Name})";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Actor system {Name}: actors under {Guardian} did not stop within {Timeout}")]
    private static partial void LogShutdownTimeout(ILogger logger, string name, string guardian, TimeSpan timeout);

    private sealed class GuardianActor : Actor
    {
        protected override ValueTask ReceiveAsync(object message)
        {
            Unhandled(message);
            return default;
        }
    }
}
