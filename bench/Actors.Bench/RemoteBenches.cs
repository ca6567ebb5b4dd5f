using System.Diagnostics;
using System.Net.Sockets;
using Actors.Messages;
using Actors.Runtime.Lane;
using Akka.Actor;

namespace Actors.Bench;

/// <summary>An Akka actor on a worker process, driven from the coordinator over Akka.Remote.</summary>
internal sealed class EchoCounter : ReceiveActor
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

/// <summary>The same on the lane: the worker's agent routes these to the <see cref="LaneEcho"/> started under their route.</summary>
internal sealed record LaneBench(string Route, object Body) : ILaneRouted;

/// <summary>Counts what arrives on the lane; answers "ping" and "count" requests.</summary>
internal sealed class LaneEcho : ReceiveActor
{
    private long _count;

    public LaneEcho()
    {
        Receive<LaneRequest>(request =>
        {
            object body = ((LaneBench)request.Message).Body;
            if (body is "count") request.Reply(_count);
            else if (body is "ping") request.Reply("pong");
            else _count++;
        });
    }
}

/// <summary>One worker and one echo on it, reached either over Akka.Remote or over the lane.</summary>
internal sealed class EchoTarget : IAsyncDisposable
{
    private const string Route = "bench-echo";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private readonly Coordinator _coordinator;
    private readonly IActorRef? _actor;
    private readonly LaneConnection? _lane;

    private EchoTarget(Coordinator coordinator, IActorRef? actor, LaneConnection? lane)
    {
        _coordinator = coordinator;
        _actor = actor;
        _lane = lane;
    }

    public static async Task<EchoTarget> StartAsync(bool lane)
    {
        Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Processes = 1 });
        if (!lane)
        {
            return new EchoTarget(coordinator, await coordinator.SpawnAsync<EchoCounter>(), null);
        }
        LaneConnection connection = coordinator.LaneOf(0)!;
        await connection.AskAsync<bool>(new StartLaneActor(Route, typeof(LaneEcho).FullName!, typeof(LaneEcho).Assembly.GetName().Name!, [], null), Timeout);
        return new EchoTarget(coordinator, null, connection);
    }

    public Task<T> AskAsync<T>(object body) =>
        _actor is not null ? _actor.Ask<T>(body, Timeout) : _lane!.AskAsync<T>(new LaneBench(Route, body), Timeout, Route);

    public void Tell(object body)
    {
        if (_actor is not null) _actor.Tell(body, ActorRefs.NoSender);
        else _lane!.Tell(new LaneBench(Route, body), Route);
    }

    public ValueTask DisposeAsync() => _coordinator.DisposeAsync();
}

/// <summary>Ask round trip between the coordinator and one worker: p50 and p99 of <paramref name="asks"/> sequential asks.</summary>
internal static class RoundTrips
{
    public static async Task<(double P50, double P99)> MeasureAsync(EchoTarget target, int asks)
    {
        double[] samples = new double[asks];
        for (int i = 0; i < asks; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            await target.AskAsync<string>("ping");
            samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(samples);
        return (BenchSink.Percentile(samples, 50), BenchSink.Percentile(samples, 99));
    }

    /// <summary>Tells <paramref name="count"/> messages, waiting for the echo to catch up every <paramref name="window"/>; returns seconds.</summary>
    public static async Task<double> SendAsync(EchoTarget target, int count, int window, Func<int, object> message)
    {
        long before = await target.AskAsync<long>("count");
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            target.Tell(message(i));
            if ((i + 1) % window == 0)
            {
                await target.AskAsync<long>("count");
            }
        }
        long after = await target.AskAsync<long>("count");
        double seconds = watch.Elapsed.TotalSeconds;
        return after - before == count ? seconds : throw new InvalidOperationException($"sent {count}, received {after - before}");
    }
}

/// <summary>Ask round trip on the lane between the coordinator and one worker, next to a plain Unix-socket round trip (the floor).</summary>
internal sealed class RemoteAskBench : IBench
{
    private const int Asks = 20_000;

    public string Name => "remote_ask";

    public int DefaultRepeats => 5;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        await using EchoTarget target = await EchoTarget.StartAsync(lane: true);
        await RoundTrips.MeasureAsync(target, 2_000);
        var p50 = new List<double>();
        var p99 = new List<double>();
        var raw = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            (double a, double b) = await RoundTrips.MeasureAsync(target, Asks);
            p50.Add(a);
            p99.Add(b);
            raw.Add(RawSocketRoundTripP50(Asks));
        }
        sink.Emit(Name, "rtt_p50_us", p50, "us", new { asks = Asks, transport = "the lane (unix socket)", workers = 1 });
        sink.Emit(Name, "rtt_p99_us", p99, "us", new { asks = Asks, transport = "the lane (unix socket)", workers = 1 });
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

/// <summary>One-way throughput on the lane from the coordinator to an actor on a worker, with a bounded window of outstanding messages.</summary>
internal sealed class RemoteThroughputBench : IBench
{
    public const int SmallMessages = 1_000_000;
    public const int SmallWindow = 50_000;
    public const int LargeMessages = 400;
    public const int LargeWindow = 16;

    public string Name => "remote_throughput";

    public int DefaultRepeats => 3;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        await using EchoTarget target = await EchoTarget.StartAsync(lane: true);
        (List<double> small, List<double> large) = await MeasureAsync(target, repeats, SmallMessages, LargeMessages);
        sink.Emit(Name, "small_msgs_per_s", small, "msgs/s", new { messages = SmallMessages, window = SmallWindow, payload = "boxed int" });
        sink.Emit(Name, "mib_msgs_GB_per_s", large, "GB/s", new { messages = LargeMessages, window = LargeWindow, bytes = 1 << 20 });
    }

    public static async Task<(List<double> Small, List<double> Large)> MeasureAsync(EchoTarget target, int repeats, int smallMessages, int largeMessages)
    {
        await RoundTrips.SendAsync(target, smallMessages / 10, SmallWindow, i => i);
        byte[] mib = new byte[1 << 20];
        await RoundTrips.SendAsync(target, 32, LargeWindow, _ => mib);
        var small = new List<double>();
        var large = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            small.Add(smallMessages / await RoundTrips.SendAsync(target, smallMessages, SmallWindow, i => i));
            large.Add(largeMessages * (double)mib.Length / await RoundTrips.SendAsync(target, largeMessages, LargeWindow, _ => mib) / 1e9);
        }
        return (small, large);
    }
}

/// <summary>The control plane, Akka.Remote (mutual TLS) between the coordinator and one worker: ask latency and one-way throughput.</summary>
internal sealed class AkkaRemoteBench : IBench
{
    private const int Asks = 5_000;

    public string Name => "akka_remote";

    public int DefaultRepeats => 3;

    public async Task RunAsync(BenchSink sink, int repeats)
    {
        await using EchoTarget target = await EchoTarget.StartAsync(lane: false);
        await RoundTrips.MeasureAsync(target, 1_000);
        var p50 = new List<double>();
        var p99 = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            (double a, double b) = await RoundTrips.MeasureAsync(target, Asks);
            p50.Add(a);
            p99.Add(b);
        }
        (List<double> small, List<double> large) = await RemoteThroughputBench.MeasureAsync(target, repeats, 200_000, 100);
        var note = new { transport = "Akka.Remote over TLS on loopback", workers = 1 };
        sink.Emit(Name, "ask_p50_us", p50, "us", new { asks = Asks, note.transport });
        sink.Emit(Name, "ask_p99_us", p99, "us", new { asks = Asks, note.transport });
        sink.Emit(Name, "small_msgs_per_s", small, "msgs/s", new { messages = 200_000, window = RemoteThroughputBench.SmallWindow, payload = "boxed int" });
        sink.Emit(Name, "mib_msgs_GB_per_s", large, "GB/s", new { messages = 100, window = RemoteThroughputBench.LargeWindow, bytes = 1 << 20 });
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
            Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Processes = workers });
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
