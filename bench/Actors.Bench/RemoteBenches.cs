using Akka.Actor;
using System.Diagnostics;
using System.Net.Sockets;

namespace Actors.Bench;

/// <summary>Actors on a worker process, driven from the coordinator.</summary>
internal sealed class EchoCounter : Akka.Actor.ReceiveActor
{
    private long _count;

    public EchoCounter()
    {
        ReceiveAny(message =>
        {
            if (message is "count") Sender.Tell(_count, Self);
            else if (message is "ping") Sender.Tell("pong", Self);
            else _count++;
        });
    }
}

/// <summary>Ask round trip between the coordinator and one worker, next to a plain Unix-socket round trip (the floor).</summary>
internal sealed class RemoteAskBench : IBench
{
    private const int Asks = 20_000;

    public string Name => "remote_ask";

    public int DefaultRepeats => 5;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Workers = 1 });
        Akka.Actor.IActorRef actor = await coordinator.SpawnAsync<EchoCounter>();
        for (int i = 0; i < 2_000; i++) await actor.Ask<string>("ping", TimeSpan.FromSeconds(10));
        var p50 = new List<double>();
        var p99 = new List<double>();
        var raw = new List<double>();
        double[] samples = new double[Asks];
        for (int r = 0; r < repeats; r++)
        {
            for (int i = 0; i < Asks; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                await actor.Ask<string>("ping", TimeSpan.FromSeconds(10));
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            Array.Sort(samples);
            p50.Add(BenchSink.Percentile(samples, 50));
            p99.Add(BenchSink.Percentile(samples, 99));
            raw.Add(RawSocketRoundTripP50(Asks));
        }
        sink.Emit(Name, "rtt_p50_us", p50, "us", new { asks = Asks, transport = "unix socket", workers = 1 });
        sink.Emit(Name, "rtt_p99_us", p99, "us", new { asks = Asks, transport = "unix socket", workers = 1 });
        sink.Emit(Name, "raw_socket_rtt_p50_us", raw, "us", new { round_trips = Asks, note = "1-byte ping-pong over a Unix socket pair between two threads, blocking calls" });
        sink.Emit(Name, "ask_over_raw_ratio", [.. p50.Zip(raw, (a, b) => a / b)], "x");
    }

    private static double RawSocketRoundTripP50(int n)
    {
        string name = "\0actors-bench-raw-" + Guid.NewGuid().ToString("N");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(name));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(name));
        using Socket server = listener.Accept();
        var echo = new Thread(() =>
        {
            byte[] b = new byte[1];
            while (server.Receive(b) == 1) server.Send(b);
        });
        echo.Start();
        byte[] one = [1];
        double[] samples = new double[n];
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            client.Send(one);
            client.Receive(one);
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        client.Shutdown(SocketShutdown.Both);
        echo.Join();
        Array.Sort(samples);
        return BenchSink.Percentile(samples, 50);
    }
}

/// <summary>One-way throughput from the coordinator to an actor on a worker, with a bounded window of outstanding messages.</summary>
internal sealed class RemoteThroughputBench : IBench
{
    private const int SmallMessages = 1_000_000;
    private const int SmallWindow = 50_000;
    private const int LargeMessages = 400;
    private const int LargeWindow = 16;

    public string Name => "remote_throughput";

    public int DefaultRepeats => 3;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Workers = 1 });
        Akka.Actor.IActorRef actor = await coordinator.SpawnAsync<EchoCounter>();
        await SendAsync(actor, 100_000, SmallWindow, i => i);
        byte[] mib = new byte[1 << 20];
        await SendAsync(actor, 32, LargeWindow, _ => mib);
        var small = new List<double>();
        var large = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            small.Add(SmallMessages / await SendAsync(actor, SmallMessages, SmallWindow, i => i));
            large.Add(LargeMessages * (double)mib.Length / await SendAsync(actor, LargeMessages, LargeWindow, _ => mib) / 1e9);
        }
        sink.Emit(Name, "small_msgs_per_s", small, "msgs/s", new { messages = SmallMessages, window = SmallWindow, payload = "boxed int" });
        sink.Emit(Name, "mib_msgs_GB_per_s", large, "GB/s", new { messages = LargeMessages, window = LargeWindow, bytes = mib.Length });
    }

    /// <summary>Tells <paramref name="count"/> messages, waiting for the actor to catch up every <paramref name="window"/>; returns seconds.</summary>
    private static async Task<double> SendAsync(Akka.Actor.IActorRef actor, int count, int window, Func<int, object> message)
    {
        long before = await actor.Ask<long>("count", TimeSpan.FromMinutes(1));
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            actor.Tell(message(i), Akka.Actor.ActorRefs.NoSender);
            if ((i + 1) % window == 0)
            {
                await actor.Ask<long>("count", TimeSpan.FromMinutes(1));
            }
        }
        long after = await actor.Ask<long>("count", TimeSpan.FromMinutes(1));
        double seconds = watch.Elapsed.TotalSeconds;
        return after - before == count ? seconds : throw new InvalidOperationException($"sent {count}, received {after - before}");
    }
}

/// <summary>From "start coordinator" to "all workers registered".</summary>
internal sealed class WorkerStartupBench : IBench
{
    public string Name => "worker_startup";

    public int DefaultRepeats => 5;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        var registered = new List<double>();
        var teardown = new List<double>();
        int workers = Environment.ProcessorCount;
        for (int r = 0; r < repeats + 1; r++)
        {
            var watch = Stopwatch.StartNew();
            Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Workers = workers });
            double started = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            await coordinator.DisposeAsync();
            if (r > 0) // the first start also pays for loading this process's own code
            {
                registered.Add(started);
                teardown.Add(watch.Elapsed.TotalMilliseconds);
            }
        }
        sink.Emit(Name, "all_registered_ms", registered, "ms", new { workers });
        sink.Emit(Name, "teardown_ms", teardown, "ms", new { workers, note = "DisposeAsync: graceful stop of every worker" });
    }
}
