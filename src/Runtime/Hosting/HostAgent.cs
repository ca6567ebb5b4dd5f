using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Hosting;

/// <summary>
/// A worker host's agent (<c>/user/host</c>) on a machine that joined the coordinator's cluster: says hello once it is Up
/// (again every 2 s until the coordinator answers), starts and kills worker processes when the coordinator asks (nobody
/// else is obeyed), feeds their standard input, and reports their exits. It owns those processes: when the coordinator is
/// unreachable or gone, or this actor stops, every one of them is killed, so none outlives its coordinator.
/// </summary>
internal sealed partial class HostAgent : ReceiveActor, IWithTimers
{
    public const string Name = "host";

    private readonly HostSettings _settings;
    private readonly Address _coordinator;
    private readonly ILogger _logger;
    private readonly Dictionary<int, (string Node, Process Process)> _processes = [];
    private readonly Akka.Cluster.Cluster _cluster;
    private IActorRef? _directory;

    public ITimerScheduler Timers { get; set; } = null!;

    public HostAgent(HostSettings settings, Address coordinator, ILogger logger)
    {
        _settings = settings;
        _coordinator = coordinator;
        _logger = logger;
        _cluster = Akka.Cluster.Cluster.Get(Context.System);
        Receive<Up>(_ => Timers.StartPeriodicTimer("hello", Hello.Instance, TimeSpan.Zero, TimeSpan.FromSeconds(2)));
        Receive<Hello>(_ => Context.ActorSelection(new RootActorPath(_coordinator) / "user" / "hosts")
            .Tell(new HostHello(_settings.Name, Environment.ProcessorCount, _settings.Processes)));
        Receive<HostAccepted>(_ => FromCoordinator(() =>
        {
            Timers.Cancel("hello");
            _directory = Sender;
            LogAccepted(_logger, _settings.Name, _coordinator.ToString());
        }));
        Receive<StartHostWorker>(start => FromCoordinator(() => Start(start)));
        Receive<HostWorkerInput>(input => FromCoordinator(() => Input(input)));
        Receive<KillHostWorker>(kill => FromCoordinator(() => Kill(kill.Pid)));
        Receive<Exited>(exited =>
        {
            if (_processes.Remove(exited.Pid))
            {
                _directory?.Tell(new HostWorkerExited(exited.Node, exited.Pid, exited.Code));
            }
        });
        Receive<ClusterEvent.UnreachableMember>(m => CoordinatorGone(m.Member, "unreachable"));
        Receive<ClusterEvent.MemberRemoved>(m => CoordinatorGone(m.Member, "removed from the cluster"));
        Receive<ClusterEvent.MemberExited>(m => CoordinatorGone(m.Member, "leaving the cluster"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    private sealed class Up
    {
        public static readonly Up Instance = new();
    }

    private sealed class Hello
    {
        public static readonly Hello Instance = new();
    }

    private sealed record Exited(string Node, int Pid, int Code);

    protected override void PreStart()
    {
        IActorRef self = Self;
        _cluster.RegisterOnMemberUp(() => self.Tell(Up.Instance));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.MemberExited));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        KillAll();
    }

    private void FromCoordinator(Action handle)
    {
        if (Sender.Path.Address == _coordinator)
        {
            handle();
        }
        else
        {
            LogRefused(_logger, Sender.Path.Address.ToString());
        }
    }

    private void Start(StartHostWorker start)
    {
        string directory = AppContext.BaseDirectory;
        if (AppBuild.Difference(directory, start.AppFiles) is { } different)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"The host {_settings.Name} cannot run the app's workers: {different}. Copy the app's build output to {directory} on that host.")));
            return;
        }
        var info = new ProcessStartInfo(DotnetHost.Path) { UseShellExecute = false, RedirectStandardInput = true };
        info.ArgumentList.Add("exec");
        if (start.DepsFile is { } deps && start.RuntimeConfig is { } runtimeConfig
            && File.Exists(Path.Combine(directory, deps)) && File.Exists(Path.Combine(directory, runtimeConfig)))
        {
            // The app's own dependency list, as on the coordinator's machine, when the app's files are here.
            info.ArgumentList.Add("--depsfile");
            info.ArgumentList.Add(Path.Combine(directory, deps));
            info.ArgumentList.Add("--runtimeconfig");
            info.ArgumentList.Add(Path.Combine(directory, runtimeConfig));
        }
        info.ArgumentList.Add(Path.Combine(directory, "Actors.WorkerNode.dll"));
        foreach (string argument in start.Arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add("--parent-pid");
        info.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add("--hostname");
        info.ArgumentList.Add(_settings.Hostname);
        info.ArgumentList.Add("--host");
        info.ArgumentList.Add(_settings.Name);
        info.Environment.Remove(SharedMemory.Session.Variable); // this machine's workers have sessions of their own
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned no process.");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Sender.Tell(new Status.Failure(new InvalidOperationException($"The host {_settings.Name} cannot start {start.Node}: {ex.Message}")));
            return;
        }
        _processes[process.Id] = (start.Node, process);
        IActorRef self = Self;
        int pid = process.Id;
        process.WaitForExitAsync().ContinueWith(_ => self.Tell(new Exited(start.Node, pid, process.ExitCode)), TaskScheduler.Default);
        Sender.Tell(new HostWorkerStarted(start.Node, pid));
    }

    private void Input(HostWorkerInput input)
    {
        if (_processes.TryGetValue(input.Pid, out var worker))
        {
            try
            {
                worker.Process.StandardInput.WriteLine(input.Line);
                worker.Process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // It died before reading this; its exit is reported.
            }
        }
    }

    private void Kill(int pid)
    {
        if (_processes.TryGetValue(pid, out var worker))
        {
            try
            {
                worker.Process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It has exited; its exit is reported.
            }
        }
    }

    private void KillAll()
    {
        foreach (int pid in _processes.Keys.ToArray())
        {
            Kill(pid);
        }
    }

    private void CoordinatorGone(Member member, string how)
    {
        if (member.Address != _coordinator && !member.HasRole("coordinator"))
        {
            return;
        }
        // Its workers cannot serve anyone else; a coordinator that comes back starts new ones.
        LogCoordinatorGone(_logger, member.Address.ToString(), how, _processes.Count);
        KillAll();
        if (how != "unreachable")
        {
            _cluster.Leave(_cluster.SelfAddress); // ends this incarnation; the host waits for a new coordinator or exits
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {Host} accepted by the coordinator at {Coordinator}")]
    private static partial void LogAccepted(ILogger logger, string host, string coordinator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A request from {Address}, which is not the coordinator, was refused")]
    private static partial void LogRefused(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The coordinator {Coordinator} is {How}: its {Count} worker processes here were killed")]
    private static partial void LogCoordinatorGone(ILogger logger, string coordinator, string how, int count);
}
