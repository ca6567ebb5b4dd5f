using Actors.Coordination.Workers;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace Actors.Coordination.Cluster;

/// <summary>
/// The coordinator's <c>/user/hosts</c>: the worker hosts of its cluster. A host agent that is a member with the role
/// <c>host</c> says hello; its worker slots are added to the coordinator (named <c>worker-N@host</c>) and started through
/// the agent. When the host is removed from the cluster (downed after it was cut off, or it left), its slots become
/// <see cref="WorkerState.Disconnected"/>; when a host of that name joins again, the same slots start there again.
/// It owns every host's state; the slots ask it to launch their processes and it routes the agents' exit reports to them.
/// </summary>
internal sealed partial class HostDirectory : ReceiveActor
{
    public const string Name = "hosts";

    public const string HostRole = "host";

    public const string CoordinatorRole = "coordinator";

    private readonly Func<string, string, Func<string, CancellationToken, Task<WorkerHandle>>, WorkerProcess> _addWorker;
    private readonly Func<string, string[]> _arguments;
    private readonly (string? DepsFile, string? RuntimeConfig) _appFiles;
    private readonly string[] _appHashes;
    private readonly TimeSpan _startTimeout;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Host> _hosts = new(StringComparer.Ordinal);
    private readonly Akka.Cluster.Cluster _cluster;

    /// <param name="addWorker">Adds a slot to the coordinator: its name, its host, its launcher.</param>
    /// <param name="arguments">A host worker's arguments, by its node name.</param>
    /// <param name="appFiles">The app's deps.json and runtimeconfig.json names, for the agents.</param>
    /// <param name="appHashes">The app's assemblies as <c>FILE=SHA256</c>: a host must have the same build.</param>
    /// <param name="startTimeout">How long an agent has to start a process.</param>
    /// <param name="logger">Where joins and losses are logged.</param>
    public HostDirectory(Func<string, string, Func<string, CancellationToken, Task<WorkerHandle>>, WorkerProcess> addWorker, Func<string, string[]> arguments,
        (string? DepsFile, string? RuntimeConfig) appFiles, string[] appHashes, TimeSpan startTimeout, ILogger logger)
    {
        _appHashes = appHashes;
        _addWorker = addWorker;
        _arguments = arguments;
        _appFiles = appFiles;
        _startTimeout = startTimeout;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<HostHello>(OnHello);
        Receive<Launch>(OnLaunch);
        Receive<Launched>(OnLaunched);
        Receive<HostWorkerExited>(OnExited);
        Receive<ClusterEvent.MemberRemoved>(m => Lose(m.Member.Address, "it was removed from the cluster"));
        Receive<ClusterEvent.MemberDowned>(m => Lose(m.Member.Address, "it was downed after it stopped answering"));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    private sealed class Host(string name)
    {
        public string Name => name;

        public IActorRef? Agent { get; set; }

        public Address? Address { get; set; }

        public List<WorkerProcess> Slots { get; } = [];

        public Dictionary<int, HostWorkerHandle> Processes { get; } = [];

        /// <summary>Exits reported before the start's reply arrived (a process that died at once).</summary>
        public Dictionary<int, int> EarlyExits { get; } = [];
    }

    /// <summary>A slot asks for a process on its host.</summary>
    private sealed record Launch(string Host, string Node);

    private sealed record Launched(Host Host, IActorRef Agent, string Node, IActorRef ReplyTo, object Outcome);

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnHello(HostHello hello)
    {
        Address from = Sender.Path.Address;
        Member? member = _cluster.State.Members.FirstOrDefault(m => m.Address == from && m.Status == MemberStatus.Up);
        if (member is null || !member.HasRole(HostRole) || hello.Processes < 1 || string.IsNullOrWhiteSpace(hello.Host))
        {
            LogRefused(_logger, from.ToString(), "it is not an Up member with the role 'host', or its hello is malformed");
            return;
        }
        if (_hosts.TryGetValue(hello.Host, out Host? host) && host.Agent is not null && host.Address == from)
        {
            Sender.Tell(new HostAccepted(hello.Host)); // a hello again, after our answer crossed it
            return;
        }
        if (host?.Agent is not null)
        {
            LogRefused(_logger, from.ToString(), $"a host named '{hello.Host}' is already connected from {host.Address}");
            return;
        }
        if (host is null)
        {
            _hosts[hello.Host] = host = new Host(hello.Host);
        }
        host.Agent = Sender;
        host.Address = from;
        IActorRef self = Self;
        Func<string, CancellationToken, Task<WorkerHandle>> launcher = (node, token) => self.Ask<WorkerHandle>(new Launch(hello.Host, node), _startTimeout, token);
        while (host.Slots.Count < hello.Processes)
        {
            string node = $"worker-{host.Slots.Count + 1}@{hello.Host}";
            host.Slots.Add(_addWorker(node, hello.Host, launcher));
        }
        Sender.Tell(new HostAccepted(hello.Host));
        LogJoined(_logger, hello.Host, from.ToString(), hello.Processes, hello.Cores);
        foreach (WorkerProcess slot in host.Slots.Take(hello.Processes))
        {
            _ = slot.Rejoin(launcher);
        }
    }

    private void OnLaunch(Launch launch)
    {
        if (!_hosts.TryGetValue(launch.Host, out Host? host) || host.Agent is not { } agent)
        {
            Sender.Tell(new Status.Failure(new WorkerStartException($"The host {launch.Host} is not in the cluster now.")));
            return;
        }
        IActorRef replyTo = Sender;
        agent.Ask<HostWorkerStarted>(new StartHostWorker(launch.Node, _arguments(launch.Node), _appFiles.DepsFile, _appFiles.RuntimeConfig, _appHashes), _startTimeout)
            .PipeTo(Self, success: started => new Launched(host, agent, launch.Node, replyTo, started), failure: ex => new Launched(host, agent, launch.Node, replyTo, ex));
    }

    private void OnLaunched(Launched launched)
    {
        if (launched.Outcome is not HostWorkerStarted started)
        {
            launched.ReplyTo.Tell(new Status.Failure((Exception)launched.Outcome));
            return;
        }
        var handle = new HostWorkerHandle(launched.Agent, Self, launched.Node, started.Pid);
        if (launched.Host.Agent != launched.Agent)
        {
            handle.OnHostLost($"its host {launched.Host.Name} left the cluster while the process started");
        }
        else if (launched.Host.EarlyExits.Remove(started.Pid, out int code))
        {
            handle.OnExited(code);
        }
        else
        {
            launched.Host.Processes[started.Pid] = handle;
        }
        launched.ReplyTo.Tell(handle);
    }

    private void OnExited(HostWorkerExited exited)
    {
        Host? host = _hosts.Values.FirstOrDefault(h => h.Agent is not null && h.Agent.Equals(Sender));
        if (host is null)
        {
            return; // a report from an agent that is no longer its host's: that host's processes were declared lost already
        }
        if (host.Processes.Remove(exited.Pid, out HostWorkerHandle? handle))
        {
            handle.OnExited(exited.ExitCode);
        }
        else
        {
            host.EarlyExits[exited.Pid] = exited.ExitCode;
        }
    }

    private void Lose(Address address, string why)
    {
        foreach (Host host in _hosts.Values.Where(h => h.Address == address && h.Agent is not null))
        {
            host.Agent = null;
            string reason = $"its host {host.Name} ({address}) left the cluster: {why}";
            foreach (HostWorkerHandle handle in host.Processes.Values)
            {
                handle.OnHostLost(reason);
            }
            host.Processes.Clear();
            host.EarlyExits.Clear();
            LogLost(_logger, host.Name, why);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {Host} joined from {Address}: {Processes} worker processes, {Cores} cores")]
    private static partial void LogJoined(ILogger logger, string host, string address, int processes, int cores);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {Host} was lost: {Why}; its workers are disconnected until it joins again")]
    private static partial void LogLost(ILogger logger, string host, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A host's hello from {Address} was refused: {Why}")]
    private static partial void LogRefused(ILogger logger, string address, string why);
}
