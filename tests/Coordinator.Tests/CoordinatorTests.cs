using System.Diagnostics;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Tests.Coordination;

/// <summary>The coordinator against real worker processes on real Unix sockets.</summary>
public sealed class CoordinatorTests
{
    private static CoordinatorOptions Options(int workers = 2) => new()
    {
        Processes = workers,
        ListenAddress = $"unix:@actors-test-{Environment.ProcessId}-{Guid.NewGuid():N}",
        Lane = new LaneOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200), HeartbeatTimeout = TimeSpan.FromSeconds(2) },
    };

    private static readonly TimeSpan Timeout = TestTimes.Dilated(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task Start_TwoWorkers_RegisteredWithDistinctLivePids_DisposeLeavesNone()
    {
        Coordinator coordinator = await Coordinator.StartAsync(Options());
        IReadOnlyList<WorkerInfo> workers = coordinator.Workers;
        Assert.Equal(2, workers.Count);
        Assert.All(workers, w => Assert.Equal(WorkerState.Running, w.State));
        Assert.Equal(2, workers.Select(w => w.Pid).Distinct().Count());
        Assert.All(workers, w => Assert.True(ProcessScan.IsAlive(w.Pid)));
        Assert.All(workers, w => Assert.True(w.Cores >= 1));
        Assert.DoesNotContain(workers, w => w.Pid == Environment.ProcessId);
        await coordinator.DisposeAsync();
        Assert.True(await ProcessScan.EventuallyAsync(() => workers.All(w => !ProcessScan.IsAlive(w.Pid)), TimeSpan.FromSeconds(5)));
        Assert.All(coordinator.Workers, w => Assert.Equal(WorkerState.Stopped, w.State));
        Assert.False(ProcessScan.AbstractSocketExists(coordinator.Address));
    }

    [Fact]
    public async Task SpawnOnEachWorker_ActorsRunInThoseProcesses()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options());
        for (int i = 0; i < 2; i++)
        {
            IActorRef actor = await coordinator.SpawnAsync<PidActor>($"pid-{i}", worker: i);
            Assert.Equal(coordinator.Workers[i].Pid, await actor.Ask<int>("pid", Timeout));
            Assert.NotEqual(((ExtendedActorSystem)coordinator.System).Provider.DefaultAddress, actor.Path.Address);
        }
        IActorRef placed = await coordinator.SpawnAsync<Greeter>(null, null, "hello");
        Assert.Equal("hello, ada", await placed.Ask<string>("ada", Timeout));
    }

    [Fact]
    public async Task ActorOnOneWorker_AsksActorOnAnother()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options());
        IActorRef first = await coordinator.SpawnAsync<PidActor>("a", worker: 0);
        IActorRef second = await coordinator.SpawnAsync<PidActor>("b", worker: 1);
        Assert.Equal(coordinator.Workers[1].Pid, await first.Ask<int>(new AskOther(second), Timeout));
    }

    [Fact]
    public async Task WorkerKilled_WatcherGetsTerminatedWithinTwoSeconds_WorkerRestarted()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options());
        IActorRef victim = await coordinator.SpawnAsync<PidActor>("victim", worker: 0);
        var terminated = new TaskCompletionSource<Akka.Actor.Terminated>(TaskCreationOptions.RunContinuationsAsynchronously);
        coordinator.System.ActorOf(Akka.Actor.Props.Create(() => new Watcher(victim, terminated)));
        Assert.Equal(coordinator.Workers[0].Pid, await victim.Ask<int>("pid", Timeout)); // the watch is in place behind this round trip
        int oldPid = coordinator.Workers[0].Pid;
        var stopwatch = Stopwatch.StartNew();
        Process.GetProcessById(oldPid).Kill();

        Akka.Actor.Terminated got = await terminated.Task.WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(10)));
        Assert.Equal(victim, got.ActorRef);
        Assert.True(stopwatch.Elapsed < TestTimes.Dilated(TimeSpan.FromSeconds(2)), $"detected after {stopwatch.Elapsed}");

        Assert.True(await ProcessScan.EventuallyAsync(() => coordinator.Workers[0] is { State: WorkerState.Running, Restarts: 1 }, TestTimes.Dilated(TimeSpan.FromSeconds(15))));
        WorkerInfo restarted = coordinator.Workers[0];
        Assert.NotEqual(oldPid, restarted.Pid);
        Assert.Equal("killed by signal 9 (SIGKILL)", restarted.LastExit);
        Assert.Equal(9, restarted.Signal);
        Assert.Null(restarted.ExitCode);
        IActorRef fresh = await coordinator.SpawnAsync<PidActor>("fresh", worker: 0);
        Assert.Equal(restarted.Pid, await fresh.Ask<int>("pid", Timeout));
        Assert.Equal(coordinator.Workers[1].Pid, await (await coordinator.SpawnAsync<PidActor>(null, worker: 1)).Ask<int>("pid", Timeout));
    }

    [Fact]
    public async Task WorkerDiesMoreThanPolicyAllows_ReportedFailed()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1) with { MaxRestarts = 0 });
        Process.GetProcessById(coordinator.Workers[0].Pid).Kill();
        Assert.True(await ProcessScan.EventuallyAsync(() => coordinator.Workers[0].State == WorkerState.Failed, TestTimes.Dilated(TimeSpan.FromSeconds(5))));
        await Assert.ThrowsAsync<InvalidOperationException>(() => coordinator.SpawnAsync<PidActor>());
    }

    [Fact]
    public async Task MissingWorkerExecutable_ClearStartException()
    {
        var ex = await Assert.ThrowsAsync<WorkerStartException>(() => Coordinator.StartAsync(Options() with { WorkerAssemblyPath = "/nowhere/Actors.WorkerNode.dll" }));
        Assert.Contains("/nowhere/Actors.WorkerNode.dll", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerCrashesAtStart_ClearStartException_NothingLeftBehind()
    {
        var dynamic = System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(new System.Reflection.AssemblyName("NotOnDisk" + Guid.NewGuid().ToString("N")), System.Reflection.Emit.AssemblyBuilderAccess.Run);
        CoordinatorOptions options = Options() with { AllowedAssemblies = [typeof(CoordinatorTests).Assembly, dynamic] };
        var ex = await Assert.ThrowsAsync<WorkerStartException>(() => Coordinator.StartAsync(options));
        Assert.Contains("exited during start-up (exit code 4)", ex.Message, StringComparison.Ordinal);
        Assert.True(await ProcessScan.EventuallyAsync(() => ProcessScan.WithCommandLine(options.ListenAddress!).Count == 0, TimeSpan.FromSeconds(5)));
        Assert.False(ProcessScan.AbstractSocketExists(options.ListenAddress!));
    }

    [Fact]
    public async Task WorkersTooSlowToRegister_TimeoutException_NothingLeftBehind()
    {
        CoordinatorOptions options = Options() with { StartupTimeout = TimeSpan.FromMilliseconds(30) };
        var ex = await Assert.ThrowsAsync<WorkerStartException>(() => Coordinator.StartAsync(options));
        Assert.Contains("did not connect and pass the key challenge within", ex.Message, StringComparison.Ordinal);
        Assert.True(await ProcessScan.EventuallyAsync(() => ProcessScan.WithCommandLine(options.ListenAddress!).Count == 0, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task SpawnWithUnserializableArgument_FailsAtTheCall()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        var ex = await Assert.ThrowsAsync<PayloadSerializationException>(() => coordinator.SpawnAsync<Greeter>(null, null, new WithStream(new MemoryStream())));
        Assert.Contains("Stream", ex.Message, StringComparison.Ordinal);
        IActorRef greeter = await coordinator.SpawnAsync<Greeter>(null, null, "hi");
        Assert.Equal("hi, you", await greeter.Ask<string>("you", Timeout));
    }

    [Fact]
    public async Task ActorFailsAnAsk_CallerGetsTheOriginalExceptionType()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        IActorRef actor = await coordinator.SpawnAsync<SizeActor>();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => actor.Ask<int>(new Fail("no such thing"), Timeout));
        Assert.Equal("no such thing", ex.Message);
    }

    [Fact]
    public async Task Tell_LargeMessages_SmallOnesOverAkka_LargerOverTheLane_TooLargeRefusedAtTheCall()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        IActorRef actor = await coordinator.SpawnAsync<SizeActor>();
        Inbox inbox = Inbox.Create(coordinator.System);
        foreach (int size in new[] { 1 << 20, 8 << 20 }) // under Akka's 4 MiB frame; over it (the lane carries it)
        {
            coordinator.Tell(actor, new Blob(new byte[size]), inbox.Receiver);
            Assert.Equal(size, await inbox.ReceiveAsync(Timeout));
        }
        var ex = Assert.Throws<MessageTooLargeException>(() => coordinator.Tell(actor, new Blob(new byte[80 << 20]), inbox.Receiver));
        Assert.Contains("Nothing was sent", ex.Message, StringComparison.Ordinal);
        Assert.Throws<PayloadSerializationException>(() => coordinator.Tell(actor, new WithStream(new MemoryStream())));
        coordinator.Tell(actor, new Blob(new byte[3]), inbox.Receiver); // still working
        Assert.Equal(3, await inbox.ReceiveAsync(Timeout));
    }

    [Fact]
    public async Task LaneLimitSetOnTheCoordinator_ReachesTheWorkers_A70MiBMessageArrivesUnder128MiB()
    {
        // The worker reads with the same limit as the coordinator writes: it gets its lane options on start.
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1) with
        {
            Lane = new LaneOptions { MaxMessageSize = 128 << 20, HeartbeatInterval = TimeSpan.FromMilliseconds(200), HeartbeatTimeout = TimeSpan.FromSeconds(5) },
        });
        IActorRef actor = await coordinator.SpawnAsync<SizeActor>();
        Inbox inbox = Inbox.Create(coordinator.System);
        coordinator.Tell(actor, new Blob(new byte[70 << 20]), inbox.Receiver);
        Assert.Equal(70 << 20, await inbox.ReceiveAsync(TestTimes.Dilated(TimeSpan.FromSeconds(30))));
        Assert.Equal(WorkerState.Running, coordinator.Workers[0].State);
        Assert.Equal(0, coordinator.Workers[0].Restarts);
    }

    [Fact]
    public async Task StrangerWithoutTheCertificate_DeliversNothing_CoordinatorKeepsServing()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        Address address = Actors.Runtime.Nodes.NodeSystem.AddressOf(coordinator.System);
        using var otherCertificate = Actors.Runtime.Nodes.NodeCertificate.Create();
        using ActorSystem stranger = Actors.Runtime.Nodes.NodeSystem.Start(Actors.Runtime.Nodes.NodeSystem.DefaultConfig, otherCertificate, new SerializerOptions());
        ActorSelection directory = stranger.ActorSelection(new RootActorPath(address) / "user" / "workers");
        // The TLS handshake fails, so the stranger's own dead letters answer: nobody there.
        ActorIdentity identity = await directory.Ask<ActorIdentity>(new Identify(1), Timeout);
        Assert.Null(identity.Subject);
        directory.Tell(new Actors.Messages.WorkerHello("worker-1", 1, "evil", 1, 1)); // would register a fake worker if it got through

        // Garbage on the port is dropped in the TLS handshake too.
        using (var raw = new System.Net.Sockets.TcpClient())
        {
            await raw.ConnectAsync(address.Host!, address.Port!.Value);
            await raw.GetStream().WriteAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        }
        await Task.Delay(500);
        Assert.False(coordinator.System.WhenTerminated.IsCompleted);
        Assert.Equal(WorkerState.Running, coordinator.Workers[0].State);
        Assert.NotEqual(1, coordinator.Workers[0].Pid);
        IActorRef greeter = await coordinator.SpawnAsync<Greeter>(null, null, "still");
        Assert.Equal("still, here", await greeter.Ask<string>("here", Timeout));
    }

    [Fact]
    public async Task PeerWithTheCertificate_CannotDeployOntoTheCoordinator_NorSelectItsActors()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        Address address = Actors.Runtime.Nodes.NodeSystem.AddressOf(coordinator.System);
        coordinator.System.ActorOf(Props.Create(() => new Greeter("inner")), "inner");
        // A process holding the certificate, as a worker running the app's code does.
        using ActorSystem peer = Actors.Runtime.Nodes.NodeSystem.Start(Actors.Runtime.Nodes.NodeSystem.DefaultConfig, coordinator.Certificate, new SerializerOptions());
        IActorRef deployed = peer.ActorOf(Props.Create(() => new Greeter("deployed")).WithDeploy(new Deploy(new RemoteScope(address))), "intruder");
        await Assert.ThrowsAnyAsync<Exception>(() => deployed.Ask<string>("you", TimeSpan.FromSeconds(2)));
        // A selection outside the trusted path is dropped unanswered.
        await Assert.ThrowsAnyAsync<Exception>(() => peer.ActorSelection(new RootActorPath(address) / "user" / "inner").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(2)));
        ActorIdentity directory = await peer.ActorSelection(new RootActorPath(address) / "user" / "workers").Ask<ActorIdentity>(new Identify(2), Timeout);
        Assert.NotNull(directory.Subject); // the one trusted path: workers announce themselves there
        IActorRef greeter = await coordinator.SpawnAsync<Greeter>(null, null, "still");
        Assert.Equal("still, here", await greeter.Ask<string>("here", Timeout));
    }

    [Fact]
    public async Task Stop_ActorOnAWorker_WatcherGetsTerminated_RemotePoisonPillIsRefused()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Options(workers: 1));
        IActorRef actor = await coordinator.SpawnAsync<PidActor>("stoppable", worker: 0);
        var terminated = new TaskCompletionSource<Akka.Actor.Terminated>(TaskCreationOptions.RunContinuationsAsynchronously);
        coordinator.System.ActorOf(Akka.Actor.Props.Create(() => new Watcher(actor, terminated)));
        actor.Tell(PoisonPill.Instance); // untrusted mode: dropped by the worker
        Assert.Equal(coordinator.Workers[0].Pid, await actor.Ask<int>("pid", Timeout));
        coordinator.Stop(actor);
        Akka.Actor.Terminated got = await terminated.Task.WaitAsync(Timeout);
        Assert.Equal(actor, got.ActorRef);
        Assert.False(got.AddressTerminated);
        Assert.Throws<ArgumentException>(() => coordinator.Stop(coordinator.System.ActorOf(Props.Create(() => new Greeter("local")))));
    }

    [Fact]
    public async Task SyncStart_Works()
    {
        Coordinator coordinator = Coordinator.Start(Options(workers: 1));
        try
        {
            Assert.Single(coordinator.Workers);
        }
        finally
        {
            await coordinator.DisposeAsync();
        }
    }

    [Fact]
    public async Task CoordinatorKilledWithSigkill_WorkersExitWithinTwoSeconds_NoSocketLeft_TheirOutputWasOurs()
    {
        using Process host = HostApp.Start(null, redirectErrors: false);
        int[] pids = [];
        string? address = null;
        string? workerSaid = null;
        using (var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(30))))
        {
            while ((pids.Length == 0 || address is null) && await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("pids ", StringComparison.Ordinal)) pids = [.. line[5..].Split(' ').Select(int.Parse)];
                if (line.StartsWith("address ", StringComparison.Ordinal)) address = line[8..];
                if (line.StartsWith("worker-says ", StringComparison.Ordinal)) workerSaid = line;
            }
        }
        Assert.Equal(3, pids.Length);
        Assert.All(pids, p => Assert.True(ProcessScan.IsAlive(p)));
        Assert.NotNull(workerSaid); // a worker's Console.WriteLine reached its coordinator's stdout
        Assert.Contains(int.Parse(workerSaid!.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture), pids.Skip(1));

        host.Kill(); // SIGKILL: no finally blocks, no dispose, no goodbye
        await host.WaitForExitAsync();
        var stopwatch = Stopwatch.StartNew();
        bool allGone = await ProcessScan.EventuallyAsync(() => pids.Skip(1).All(p => !ProcessScan.IsAlive(p)), TestTimes.Dilated(TimeSpan.FromSeconds(2)));
        foreach (int orphan in pids.Skip(1).Where(ProcessScan.IsAlive))
        {
            Process.GetProcessById(orphan).Kill(); // leave nothing behind even when the assertion below fails
        }
        Assert.True(allGone, $"workers still alive {stopwatch.Elapsed} after their coordinator was killed");
        Assert.False(ProcessScan.AbstractSocketExists(address!));
    }

    [Fact]
    public async Task AppExitsWithoutDisposingItsPool_ExitsWithCodeZero_Quietly_NoWorkerLeft()
    {
        using Process host = HostApp.Start("pool-no-dispose");
        Task<string> stdout = host.StandardOutput.ReadToEndAsync();
        Task<string> stderr = host.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(60))))
        {
            await host.WaitForExitAsync(timeout.Token);
        }
        string output = await stdout;
        string errors = await stderr;
        Assert.True(host.ExitCode == 0, $"exit code {host.ExitCode}; stderr: {errors}");
        Assert.Contains("sum 328350", output, StringComparison.Ordinal);
        Assert.DoesNotContain("lost", output + errors, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("warn", output + errors, StringComparison.OrdinalIgnoreCase);
        int[] workers = [.. output.Split('\n').First(l => l.StartsWith("pids ", StringComparison.Ordinal))[5..].Trim().Split(' ').Skip(1).Select(int.Parse)];
        Assert.NotEmpty(workers);
        bool gone = await ProcessScan.EventuallyAsync(() => workers.All(p => !ProcessScan.IsAlive(p)), TestTimes.Dilated(TimeSpan.FromSeconds(2)));
        foreach (int orphan in workers.Where(ProcessScan.IsAlive))
        {
            Process.GetProcessById(orphan).Kill();
        }
        Assert.True(gone, "a worker outlived the app that never disposed its pool");
    }
}
