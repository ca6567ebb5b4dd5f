using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Tests.Coordination.Cluster;

/// <summary>What a task reports of where it ran.</summary>
public static class WhereTasks
{
    public static string HostOf(int item)
    {
        Thread.Sleep(2);
        return $"{item}:{Multiprocessing.CurrentProcess().Name}";
    }

    public static string SlowHostOf(int item)
    {
        Thread.Sleep(40);
        return $"{item}:{Multiprocessing.CurrentProcess().Name}";
    }
}

/// <summary>A test that needs <see cref="SeparateHosts"/>: skipped, with the reason, where they cannot be made.</summary>
internal sealed class SeparateHostsFactAttribute : FactAttribute
{
    public SeparateHostsFactAttribute()
    {
        if (!SeparateHosts.Available)
        {
            Skip = SeparateHosts.SkipReason;
        }
    }
}

/// <summary>Worker hosts in separate network namespaces join a coordinator's cluster; the Pool uses their cores.</summary>
[Collection("SeparateHosts")]
public sealed class ScaleOutTests
{
    private static readonly TimeSpan Join = TestTimes.Dilated(TimeSpan.FromSeconds(30));

    private static Task<Coordinator> StartCoordinatorAsync(SeparateHosts hosts, int local = 1) => Coordinator.StartAsync(new CoordinatorOptions
    {
        Processes = local,
        Cluster = new ClusterOptions { Hostname = hosts.CoordinatorAddress, Port = 0, Certificate = hosts.Certificate },
    });

    [SeparateHostsFact]
    public async Task Hosts_join_and_the_same_pool_map_uses_every_hosts_cores_with_results_in_order()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(2);
        await using Coordinator coordinator = await StartCoordinatorAsync(hosts);
        Assert.NotNull(coordinator.ClusterAddress);
        await using Actors.Pool pool = await Actors.Pool.StartAsync(coordinator); // before any host: it takes them as they join
        Assert.Equal(1, pool.Processes);
        hosts.StartHost(1, coordinator.ClusterAddress!);
        hosts.StartHost(2, coordinator.ClusterAddress!);
        using var joined = new CancellationTokenSource(Join);
        await coordinator.WaitForWorkersAsync(3, joined.Token);

        WorkerInfo[] remote = [.. coordinator.Workers.Where(w => w.Name.Contains('@', StringComparison.Ordinal))];
        Assert.Equal(["host-1", "host-2"], remote.Select(w => w.Host).Order());
        Assert.All(remote, w => Assert.Equal(WorkerState.Running, w.State));

        // A worker runs as soon as its lane joins; the pool takes it up once its task runner there has started, moments
        // later, so a map that starts first may finish without it.
        string[] ranOn = [];
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); ranOn.Length < 3 && watch.Elapsed < TestTimes.Dilated(TimeSpan.FromSeconds(20));)
        {
            List<string> results = pool.Map(WhereTasks.HostOf, Enumerable.Range(0, 600).ToArray(), chunksize: 5);
            Assert.Equal(Enumerable.Range(0, 600), results.Select(r => int.Parse(r[..r.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture)));
            ranOn = [.. results.Select(r => r[(r.IndexOf(':') + 1)..]).Distinct().Order()];
        }
        Assert.Equal(["worker-1", "worker-1@host-1", "worker-1@host-2"], ranOn);
        Assert.Equal(3, pool.Processes);

        // An actor placed on a host's worker answers over Akka.Remote, from that process.
        int hostWorker = coordinator.Workers.ToList().FindIndex(w => w.Name == "worker-1@host-2");
        Akka.Actor.IActorRef greeter = await coordinator.SpawnAsync<Greeter>("greeter", hostWorker, "hello");
        Assert.Equal("hello, host", await greeter.Ask<string>("host", TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.Equal(hosts.AddressOf(2), greeter.Path.Address.Host);

        // The coordinator stops: every host's workers stop with it, and the agents (waiting for a new one) stay.
        int[] agents = [.. await hosts.PidsInAsync(1), .. await hosts.PidsInAsync(2)];
        Assert.Equal(4, agents.Length); // an agent and a worker on each
        await pool.DisposeAsync();
        await coordinator.DisposeAsync();
        await WaitUntilAsync(async () => (await hosts.PidsInAsync(1)).Length == 1 && (await hosts.PidsInAsync(2)).Length == 1, TestTimes.Dilated(TimeSpan.FromSeconds(10)),
            "every host's worker processes stop with the coordinator");
    }

    [SeparateHostsFact]
    public async Task A_host_cut_off_mid_map_loses_no_result_and_its_workers_come_back_when_it_rejoins()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(2);
        await using Coordinator coordinator = await StartCoordinatorAsync(hosts);
        hosts.StartHost(1, coordinator.ClusterAddress!);
        hosts.StartHost(2, coordinator.ClusterAddress!);
        using var joined = new CancellationTokenSource(Join);
        await coordinator.WaitForWorkersAsync(3, joined.Token);
        int cutPid = coordinator.Workers.Single(w => w.Name == "worker-1@host-1").Pid;
        await using Actors.Pool pool = await Actors.Pool.StartAsync(coordinator);

        var seen = new List<string>();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(60)));
        foreach (string result in pool.Imap(WhereTasks.SlowHostOf, Enumerable.Range(0, 200).ToArray(), chunksize: 1))
        {
            seen.Add(result);
            if (seen.Count == 20)
            {
                await hosts.SetLinkAsync(1, up: false); // packets dropped, nothing reset: only silence tells
            }
            deadline.Token.ThrowIfCancellationRequested();
        }
        Assert.Equal(Enumerable.Range(0, 200), seen.Select(r => int.Parse(r[..r.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains(seen.Skip(20), r => r.EndsWith("@host-2", StringComparison.Ordinal));

        await WaitUntilAsync(() => Task.FromResult(coordinator.Workers.Single(w => w.Name == "worker-1@host-1").State == WorkerState.Disconnected),
            TestTimes.Dilated(TimeSpan.FromSeconds(20)), "the cut host is removed from the cluster and its worker disconnected");
        await hosts.SetLinkAsync(1, up: true);
        await WaitUntilAsync(() => Task.FromResult(coordinator.Workers.Single(w => w.Name == "worker-1@host-1") is { State: WorkerState.Running } w && w.Pid != cutPid),
            TestTimes.Dilated(TimeSpan.FromSeconds(40)), "the host joins again as a new member and its worker runs again");
        // The pool takes the slot up once its task runner there has started, moments after the slot runs: a map that
        // starts first may finish on host-2 alone.
        await WaitUntilAsync(() => Task.FromResult(pool.Map(WhereTasks.HostOf, Enumerable.Range(0, 300).ToArray(), chunksize: 5).Any(r => r.EndsWith("@host-1", StringComparison.Ordinal))),
            TestTimes.Dilated(TimeSpan.FromSeconds(20)), "the pool runs tasks on the rejoined host again");
    }

    [SeparateHostsFact]
    public async Task A_host_without_the_clusters_certificate_cannot_join()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(2);
        await using Coordinator coordinator = await StartCoordinatorAsync(hosts);
        hosts.StartHost(1, coordinator.ClusterAddress!, certificate: hosts.StrangerCertificatePath, onLost: "exit");
        hosts.StartHost(2, coordinator.ClusterAddress!);
        using var joined = new CancellationTokenSource(Join);
        await coordinator.WaitForWorkersAsync(2, joined.Token); // the member joined; the stranger had as long
        await Task.Delay(TestTimes.Dilated(TimeSpan.FromSeconds(3)));
        Assert.DoesNotContain(coordinator.Workers, w => w.Host == "host-1");
        Assert.Equal(2, coordinator.Workers.Count);
        Assert.Single(Akka.Cluster.Cluster.Get(coordinator.System).State.Members, m => m.HasRole("host"));
        await using Actors.Pool pool = await Actors.Pool.StartAsync(coordinator);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 2), pool.Map(x => x * 2, Enumerable.Range(0, 50).ToArray()));
    }

    [SeparateHostsFact]
    public async Task A_host_with_another_build_of_the_app_is_refused_with_the_reason()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(1);
        string copy = Directory.CreateTempSubdirectory("actors-other-build-").FullName;
        try
        {
            foreach (string file in Directory.EnumerateFiles(AppContext.BaseDirectory))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
            string app = Path.GetFileName(System.Reflection.Assembly.GetEntryAssembly()!.Location);
            await File.AppendAllTextAsync(Path.Combine(copy, app), " "); // the same name, another build
            await using Coordinator coordinator = await StartCoordinatorAsync(hosts);
            hosts.StartHost(1, coordinator.ClusterAddress!, directory: copy);
            await WaitUntilAsync(() => Task.FromResult(coordinator.Workers.Any(w => w.Name == "worker-1@host-1" && w.LastExit is not null)),
                TestTimes.Dilated(TimeSpan.FromSeconds(30)), "the host's worker slot reports why it cannot start");
            WorkerInfo refused = coordinator.Workers.Single(w => w.Name == "worker-1@host-1");
            Assert.Equal(WorkerState.Disconnected, refused.State);
            Assert.Equal("host-1", refused.Host);
            Assert.Contains($"{app} here is another build than the coordinator's", refused.LastExit, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [SeparateHostsFact]
    public async Task When_the_coordinator_is_killed_every_hosts_workers_are_gone_within_the_documented_time()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(2);
        var info = new System.Diagnostics.ProcessStartInfo(Runtime.Hosting.DotnetHost.Path) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "Actors.Tests.CoordinatorHost.dll"), "cluster", hosts.CoordinatorAddress, hosts.CertificatePath })
        {
            info.ArgumentList.Add(a);
        }
        using System.Diagnostics.Process coordinator = System.Diagnostics.Process.Start(info)!;
        try
        {
            string? line = await coordinator.StandardOutput.ReadLineAsync().WaitAsync(Join);
            Assert.StartsWith("cluster ", line, StringComparison.Ordinal);
            string address = line![8..];
            System.Diagnostics.Process exiting = hosts.StartHost(1, address, onLost: "exit");
            hosts.StartHost(2, address, onLost: "wait");
            for (int i = 0; i < 2; i++)
            {
                Assert.StartsWith("worker ", await coordinator.StandardOutput.ReadLineAsync().WaitAsync(Join), StringComparison.Ordinal);
            }
            Assert.Equal(2, (await hosts.PidsInAsync(1)).Length);
            coordinator.Kill(); // SIGKILL: no goodbye to anyone
            await WaitUntilAsync(async () => (await hosts.PidsInAsync(1)).Length == 0 && (await hosts.PidsInAsync(2)).Length == 1,
                TestTimes.Dilated(TimeSpan.FromSeconds(15)), "the workers are gone, the exit-mode agent exited, the wait-mode agent waits");
            await exiting.WaitForExitAsync().WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(5))); // its exit event may trail the namespace emptying
            Assert.Equal(3, exiting.ExitCode);
        }
        finally
        {
            coordinator.Kill();
        }
    }

    /// <summary>Waits for a condition that a test cannot await directly (the state of processes in another namespace).</summary>
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < timeout, $"Not within {timeout}: {what}.");
            await Task.Delay(100);
        }
    }
}
