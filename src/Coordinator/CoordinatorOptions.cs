using System.Reflection;

namespace Actors;

/// <summary>How a <see cref="Coordinator"/> starts and supervises its workers. Every member has a working default.</summary>
public sealed record CoordinatorOptions
{
    /// <summary>How long all workers have to start and register, by default.</summary>
    public static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(20); // a cold .NET start on a loaded CI machine takes seconds

    /// <summary>How long workers get to exit on their own at disposal before they are killed, by default.</summary>
    public static readonly TimeSpan DefaultStopGracePeriod = TimeSpan.FromSeconds(3);

    /// <summary>Restarts of one worker allowed within <see cref="RestartWindow"/> by default.</summary>
    public const int DefaultMaxRestarts = 5; // a crash-looping worker is given up on quickly

    private readonly int? _workers;
    private readonly TimeSpan _startupTimeout = DefaultStartupTimeout;
    private readonly TimeSpan _stopGracePeriod = DefaultStopGracePeriod;
    private readonly int _maxRestarts = DefaultMaxRestarts;
    private readonly TimeSpan _restartWindow = TimeSpan.FromMinutes(1);
    private readonly byte[]? _authKey;

    /// <summary>
    /// How many worker processes; null means one per core (<see cref="Environment.ProcessorCount"/>). The same word as
    /// <see cref="PoolOptions.Processes"/> and CPython's <c>Pool(processes=...)</c>; <see cref="Coordinator.Workers"/> lists them.
    /// </summary>
    /// <remarks>0 is allowed with <see cref="Cluster"/>: then every worker runs on a joining host.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int? Processes
    {
        get => _workers;
        init { if (value is { } v) ArgumentOutOfRangeException.ThrowIfNegative(v, nameof(Processes)); _workers = value; }
    }

    /// <summary>Lets worker hosts on other machines join (Akka.Cluster); null, the default, keeps every worker on this machine.</summary>
    public ClusterOptions? Cluster { get; init; }

    /// <summary>The app's assemblies whose actor types and messages may travel to workers. The entry assembly is always included.</summary>
    public IReadOnlyList<Assembly> AllowedAssemblies { get; init; } = [];

    /// <summary>The shared secret of the key challenge; null makes a random one that reaches workers through their standard input only.</summary>
    /// <exception cref="ArgumentException">Shorter than 16 bytes.</exception>
    public byte[]? AuthKey
    {
        get => _authKey;
        init
        {
            if (value is not null && value.Length < 16) throw new ArgumentException("An authentication key needs at least 16 bytes.", nameof(AuthKey));
            _authKey = value;
        }
    }

    /// <summary>Where the coordinator listens; null means a fresh abstract Unix socket, which leaves no file behind.</summary>
    public string? ListenAddress { get; init; }

    /// <summary>How long all workers have to start, connect and pass the key challenge.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan StartupTimeout
    {
        get => _startupTimeout;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(StartupTimeout)); _startupTimeout = value; }
    }

    /// <summary>At disposal, how long workers get to exit on their own before they are killed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan StopGracePeriod
    {
        get => _stopGracePeriod;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(StopGracePeriod)); _stopGracePeriod = value; }
    }

    /// <summary>Restarts of one worker allowed within <see cref="RestartWindow"/>; then it is reported as failed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int MaxRestarts
    {
        get => _maxRestarts;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxRestarts)); _maxRestarts = value; }
    }

    /// <summary>The window in which worker restarts are counted.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan RestartWindow
    {
        get => _restartWindow;
        init { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(RestartWindow)); _restartWindow = value; }
    }

    /// <summary>Heartbeats, message size limit and handshake timeout of the lanes to the workers; the workers get the same.</summary>
    public LaneOptions Lane { get; init; } = new();

    /// <summary>
    /// HOCON over the product's defaults (<c>config/actors.conf</c>) for the coordinator's and the workers' actor
    /// systems alike: the workers receive it from the coordinator. Null keeps the defaults.
    /// </summary>
    public string? AkkaConfig { get; init; }

    /// <summary>The worker's dll; null means <c>Actors.WorkerNode.dll</c> next to the app, where referencing the coordinator puts it.</summary>
    public string? WorkerAssemblyPath { get; init; }
}
