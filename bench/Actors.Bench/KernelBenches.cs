using System.Diagnostics;
using Akka.Actor;

namespace Actors.Bench;

/// <summary>In-process tell throughput on Akka.NET: one sender to one actor, and one sender per core each to its own actor.</summary>
internal sealed class ActorTellBench : IBench
{
    private const int Messages = 10_000_000;

    public string Name => "actor_tell";

    public int DefaultRepeats => 5;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        using ActorSystem system = ActorSystem.Create("bench");
        await RunPairsAsync(system, 1, 1_000_000); // warm-up: JIT and thread pool
        var one = new List<double>();
        var many = new List<double>();
        int pairs = Environment.ProcessorCount;
        for (int r = 0; r < repeats; r++)
        {
            one.Add(await RunPairsAsync(system, 1, Messages));
            many.Add(await RunPairsAsync(system, pairs, Messages));
        }
        sink.Emit(Name, "one_to_one_msgs_per_s", one, "msgs/s", new { messages = Messages, senders = 1, actors = 1 });
        sink.Emit(Name, "n_to_n_msgs_per_s", many, "msgs/s", new { messages = Messages, senders = pairs, actors = pairs });
    }

    private static async Task<double> RunPairsAsync(ActorSystem system, int pairs, int total)
    {
        int each = total / pairs;
        var done = new Task[pairs];
        var actors = new IActorRef[pairs];
        for (int p = 0; p < pairs; p++)
        {
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done[p] = finished.Task;
            actors[p] = system.ActorOf(Props.Create(() => new CountTo(each, finished)));
        }
        var message = new object();
        var watch = Stopwatch.StartNew();
        Thread[] senders = [.. actors.Select(a => new Thread(() =>
        {
            for (int i = 0; i < each; i++)
            {
                a.Tell(message, ActorRefs.NoSender);
            }
        }))];
        foreach (Thread t in senders) t.Start();
        foreach (Thread t in senders) t.Join();
        await Task.WhenAll(done);
        double rate = each * pairs / watch.Elapsed.TotalSeconds;
        foreach (IActorRef a in actors) await a.GracefulStop(TimeSpan.FromSeconds(10));
        return rate;
    }

    private sealed class CountTo(int target, TaskCompletionSource done) : UntypedActor
    {
        private int _count;

        protected override void OnReceive(object message)
        {
            if (++_count == target) done.SetResult();
        }
    }
}

/// <summary>In-process ask round trip on Akka.NET against an actor that replies at once.</summary>
internal sealed class ActorAskBench : IBench
{
    private const int Asks = 200_000;

    public string Name => "actor_ask";

    public int DefaultRepeats => 5;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        using ActorSystem system = ActorSystem.Create("bench");
        IActorRef echo = system.ActorOf(Props.Create<Echo>());
        for (int i = 0; i < 20_000; i++) await echo.Ask<int>(i, TimeSpan.FromSeconds(5));
        var p50 = new List<double>();
        var p99 = new List<double>();
        var mean = new List<double>();
        var samples = new double[Asks];
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Asks; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await echo.Ask<int>(i, TimeSpan.FromSeconds(5));
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            mean.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / Asks);
            Array.Sort(samples);
            p50.Add(BenchSink.Percentile(samples, 50));
            p99.Add(BenchSink.Percentile(samples, 99));
        }
        sink.Emit(Name, "rtt_us", p50, "us", new { asks = Asks, stat_per_run = "p50" });
        sink.Emit(Name, "rtt_p99_us", p99, "us", new { asks = Asks });
        sink.Emit(Name, "rtt_mean_us", mean, "us", new { asks = Asks });
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message, Self);
    }
}
