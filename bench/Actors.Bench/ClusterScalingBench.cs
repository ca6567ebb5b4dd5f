using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Bench;

/// <summary>
/// Scale-out (needs root and iproute2; ours only): a coordinator with no local worker, and worker hosts in separate network
/// namespaces (each <c>--processes 1</c>) joining one by one. <c>cluster_join</c>: from starting a host agent to its worker
/// running, ms. Then, with 1, 2 and 3 hosts, the same pool's <c>pool_map_tiny</c> (1M squares) and <c>cpu_speedup</c>'s
/// heavier case (2,000 numbers near 1e13, about a second sequentially here; the anchor's 1e11 case is 35 ms in C#, too
/// little to show anything but coordination), against the same work sequentially here, with efficiency = speed-up ÷ worker
/// processes; and, for reference in the same run, a pool of local workers (one per core). The hosts share this machine's
/// cores: past <c>nproc</c> hosts, efficiency must fall.
/// </summary>
internal sealed class ClusterScalingBench : IBench
{
    public string Name => "cluster_scaling";

    public int DefaultRepeats => 3;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        if (!SeparateHosts.Available)
        {
            await Console.Error.WriteLineAsync($"cluster_scaling skipped: it {SeparateHosts.SkipReason}.");
            return;
        }
        long[] heavy = [.. Enumerable.Range(0, 2000).Select(i => 10_000_000_000_000L + i)];
        var seq = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            _ = heavy.Count(BenchTasks.IsPrime);
            seq.Add(watch.Elapsed.TotalSeconds);
        }
        double sequential = BenchSink.Median(seq);
        // The reference, in the same run and before any host exists: local workers, one per core.
        await using (Pool local = await BenchTasks.WarmPoolAsync())
        {
            // This process and its workers JIT-compile in the background for their first seconds (see cpu_speedup): warm longer.
            for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(5);)
            {
                local.Map(BenchTasks.IsPrime, heavy[..100]);
            }
            var localRuns = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                var watch = Stopwatch.StartNew();
                local.Map(BenchTasks.IsPrime, heavy);
                localRuns.Add(sequential / watch.Elapsed.TotalSeconds);
            }
            sink.Emit(Name, "heavier_speedup_local_workers", localRuns, "x", new { workers = local.Processes, nproc = Environment.ProcessorCount });
        }
        await ScaleAsync(sink, repeats, heavy, sequential, 0);
        if (File.Exists("/usr/sbin/nft"))
        {
            // 0.5 ms round trip through each host's delaying relay by default; ACTORS_BENCH_RTT_US sets another.
            int rtt = int.TryParse(Environment.GetEnvironmentVariable("ACTORS_BENCH_RTT_US"), out int set) && set > 0 ? set : 500;
            await ScaleAsync(sink, repeats, heavy, sequential, rtt / 2);
        }
        else
        {
            await Console.Error.WriteLineAsync("cluster_scaling: no /usr/sbin/nft (apt-get install nftables): the rows with added latency are left out.");
        }
    }

    /// <summary>Three hosts join one by one; after each, the pool's maps are timed. <paramref name="delay"/>: µs held back each way between a host and the coordinator.</summary>
    private async Task ScaleAsync(BenchSink sink, int repeats, long[] heavy, double sequential, int delay)
    {
        string suffix = delay == 0 ? "" : $"_rtt{2 * delay}us";
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(3);
        await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions
        {
            Processes = 0,
            Cluster = new ClusterOptions { Hostname = hosts.CoordinatorAddress, Port = 0, Certificate = hosts.Certificate },
        });
        await using Pool pool = await Pool.StartAsync(coordinator);
        int[] tiny = [.. Enumerable.Range(0, 1_000_000)];
        var joins = new List<double>();
        for (int host = 1; host <= 3; host++)
        {
            var watch = Stopwatch.StartNew();
            if (delay > 0)
            {
                await hosts.DelayAsync(host, delay, Runtime.Hosting.DotnetHost.Path, typeof(DelayProxy).Assembly.Location, DelayProxy.Argument);
            }
            hosts.StartHost(host, coordinator.ClusterAddress!);
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await coordinator.WaitForWorkersAsync(host, deadline.Token);
            }
            joins.Add(watch.Elapsed.TotalMilliseconds);
            pool.Map(BenchTasks.Square, Enumerable.Range(0, 64).ToArray(), chunksize: 1); // the new worker's runner is up
            // A new host's agent and worker JIT-compile in the background for their first seconds, on the cores the maps need.
            for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(6);)
            {
                pool.Map(BenchTasks.IsPrime, heavy[..100]);
            }
            var tinyRuns = new List<double>();
            var heavyRuns = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                watch.Restart();
                pool.Map(BenchTasks.Square, tiny);
                tinyRuns.Add(tiny.Length / watch.Elapsed.TotalSeconds);
            }
            for (int r = 0; r < repeats; r++)
            {
                watch.Restart();
                pool.Map(BenchTasks.IsPrime, heavy);
                heavyRuns.Add(sequential / watch.Elapsed.TotalSeconds);
            }
            var parameters = new { hosts = host, one_way_delay_us = delay, processes_per_host = 1, workers = pool.Processes, nproc = Environment.ProcessorCount };
            sink.Emit(Name, $"map_N1M_items_per_s_{host}_hosts{suffix}", tinyRuns, "items/s", parameters);
            sink.Emit(Name, $"heavier_speedup_{host}_hosts{suffix}", heavyRuns, "x", parameters);
            sink.Emit(Name, $"heavier_efficiency_{host}_hosts{suffix}", [.. heavyRuns.Select(s => s / host)], "x", parameters);
        }
        sink.Emit(Name, $"cluster_join_ms{suffix}", joins, "ms", new { note = "host agent started -> its worker running (cluster Up, hello, worker process, lane and Akka.Remote)" });
    }
}
