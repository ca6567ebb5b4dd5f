using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Bench;

/// <summary>
/// Scale-out (needs root and iproute2; ours only): a coordinator with no local worker, and worker hosts in separate network
/// namespaces (each <c>--processes 1</c>) joining one by one. <c>cluster_join</c>: from starting a host agent to its worker
/// running, ms. Then, with 1, 2 and 3 hosts, the same pool's <c>pool_map_tiny</c> (1M squares) and the heavy
/// <c>cpu_speedup</c> case (2,000 numbers near 1e11, against the same work sequentially here), with efficiency =
/// speed-up ÷ worker processes. The hosts share this machine's cores: past <c>nproc</c> hosts, efficiency must fall.
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
        await using SeparateHosts hosts = await SeparateHosts.CreateAsync(3);
        await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions
        {
            Processes = 0,
            Cluster = new ClusterOptions { Hostname = hosts.CoordinatorAddress, Port = 0, Certificate = hosts.Certificate },
        });
        await using Pool pool = await Pool.StartAsync(coordinator);
        int[] tiny = [.. Enumerable.Range(0, 1_000_000)];
        long[] heavy = [.. Enumerable.Range(0, 2000).Select(i => 100_000_000_000L + i)];
        var seq = new List<double>();
        for (int r = 0; r < repeats * 3; r++)
        {
            var watch = Stopwatch.StartNew();
            _ = heavy.Count(BenchTasks.IsPrime);
            seq.Add(watch.Elapsed.TotalSeconds);
        }
        double sequential = BenchSink.Median(seq);
        var joins = new List<double>();
        for (int host = 1; host <= 3; host++)
        {
            var watch = Stopwatch.StartNew();
            hosts.StartHost(host, coordinator.ClusterAddress!);
            using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await coordinator.WaitForWorkersAsync(host, deadline.Token);
            }
            joins.Add(watch.Elapsed.TotalMilliseconds);
            pool.Map(BenchTasks.Square, Enumerable.Range(0, 64).ToArray(), chunksize: 1); // the new worker's runner is up
            for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(2);)
            {
                pool.Map(BenchTasks.IsPrime, heavy[..200]);
            }
            var tinyRuns = new List<double>();
            var heavyRuns = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                watch.Restart();
                pool.Map(BenchTasks.Square, tiny);
                tinyRuns.Add(tiny.Length / watch.Elapsed.TotalSeconds);
            }
            for (int r = 0; r < repeats * 3; r++)
            {
                watch.Restart();
                pool.Map(BenchTasks.IsPrime, heavy);
                heavyRuns.Add(sequential / watch.Elapsed.TotalSeconds);
            }
            var parameters = new { hosts = host, processes_per_host = 1, workers = pool.Processes, nproc = Environment.ProcessorCount };
            sink.Emit(Name, $"map_N1M_items_per_s_{host}_hosts", tinyRuns, "items/s", parameters);
            sink.Emit(Name, $"heavy_speedup_{host}_hosts", heavyRuns, "x", parameters);
            sink.Emit(Name, $"heavy_efficiency_{host}_hosts", [.. heavyRuns.Select(s => s / host)], "x", parameters);
        }
        sink.Emit(Name, "cluster_join_ms", joins, "ms", new { note = "host agent started -> its worker running (cluster Up, hello, worker process, lane and Akka.Remote)" });
    }
}
