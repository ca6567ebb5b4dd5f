using Actors.TestSupport;

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
    public async Task Hosts_join_and_a_pool_map_uses_every_hosts_cores_with_results_in_order()
    {
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(2);
        await using Coordinator coordinator = await StartCoordinatorAsync(hosts);
        Assert.NotNull(coordinator.ClusterAddress);
        hosts.StartHost(1, coordinator.ClusterAddress!);
        hosts.StartHost(2, coordinator.ClusterAddress!);
        using var joined = new CancellationTokenSource(Join);
        await coordinator.WaitForWorkersAsync(3, joined.Token);

        WorkerInfo[] remote = [.. coordinator.Workers.Where(w => w.Name.Contains('@', StringComparison.Ordinal))];
        Assert.Equal(["host-1", "host-2"], remote.Select(w => w.Host).Order());
        Assert.All(remote, w => Assert.Equal(WorkerState.Running, w.State));

        await using Actors.Pool pool = await Actors.Pool.StartAsync(coordinator);
        Assert.Equal(3, pool.Processes);
        List<string> results = pool.Map(WhereTasks.HostOf, Enumerable.Range(0, 600).ToArray(), chunksize: 5);
        Assert.Equal(Enumerable.Range(0, 600), results.Select(r => int.Parse(r[..r.IndexOf(':')], System.Globalization.CultureInfo.InvariantCulture)));
        string[] ranOn = [.. results.Select(r => r[(r.IndexOf(':') + 1)..]).Distinct().Order()];
        Assert.Equal(["worker-1", "worker-1@host-1", "worker-1@host-2"], ranOn);
    }
}
