namespace Actors.Tests.Coordination.Pool;

/// <summary>Tasks the pool tests send to workers: static methods, so they travel as method tokens.</summary>
public static class Tasks
{
    public static int Square(int x) => x * x;

    public static long Slow(int x)
    {
        Thread.Sleep(20);
        return x;
    }

    /// <summary>The worker's pid, after 2 ms: long enough that the pool never sends many to one message, so every worker gets some.</summary>
    public static int Pid(int _)
    {
        Thread.Sleep(2);
        return Environment.ProcessId;
    }

    public static int SleepMs(int ms)
    {
        Thread.Sleep(ms);
        return ms;
    }

    /// <summary>Instant, but 50 ms for items 10,000 to 10,039: tasks that turn slow after the pool has judged them fast.</summary>
    public static int SlowAt10000(int x)
    {
        if (x is >= 10_000 and < 10_040)
        {
            Thread.Sleep(50);
            return Environment.ProcessId;
        }
        return 0;
    }

    /// <summary>About 50 µs of work: fast enough that the pool sends many to a message.</summary>
    public static (int Item, int Pid) BusyWithPid(int x)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + (System.Diagnostics.Stopwatch.Frequency / 20_000);
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
        {
        }
        return (x, Environment.ProcessId);
    }

    public static int FailOn3(int x) => x == 3 ? throw new ArgumentException($"bad item {x}") : x;

    public static int FailOn15000(int x) => x == 15_000 ? throw new ArgumentException($"bad item {x}") : x;

    /// <summary>Kills its own worker process on item 3, the poison pill of a pool.</summary>
    public static int KillSelfOn3(int x)
    {
        if (x == 3)
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
        return x * x;
    }

    /// <summary>Ends its own worker process with Environment.FailFast (SIGABRT) on item 5.</summary>
    public static int FailFastOn5(int x)
    {
        if (x == 5)
        {
            Environment.FailFast("a pool test ends its worker on purpose");
        }
        return x;
    }

    /// <summary>Recurses without end on item 4: the runtime cannot catch a stack overflow, so the worker process dies.</summary>
    public static int OverflowOn4(int x) => x == 4 ? Recurse(x) : x;

    private static int Recurse(int depth) => Recurse(depth + 1) + 1;

    /// <summary>Asks for an array far larger than any heap: an OutOfMemoryException the worker survives.</summary>
    public static int OutOfMemoryOn2(int x) => x == 2 ? new long[int.MaxValue].Length : x;

    public static int Hang(int x)
    {
        if (x == 2) Thread.Sleep(Timeout.Infinite);
        return x;
    }

    public static int CooperativeSleep(int x, CancellationToken token)
    {
        token.WaitHandle.WaitOne(TimeSpan.FromSeconds(30));
        token.ThrowIfCancellationRequested();
        return x;
    }

    /// <summary>Waits two seconds unless cancelled, then returns its item.</summary>
    public static int WaitTwoSecondsUnlessCancelled(int x, CancellationToken token)
    {
        token.WaitHandle.WaitOne(TimeSpan.FromSeconds(2));
        token.ThrowIfCancellationRequested();
        return x;
    }

    public static int Add(int a, int b) => a + b;

    public static Stream Unserializable(int x) => new MemoryStream(new byte[x]);

    private static int s_initialized;

    public static void Initialize(int value) => s_initialized = value;

    public static int ReadInitialized(int _) => s_initialized;
}

/// <summary>Starts one pool with two workers per test.</summary>
public abstract class PoolTest : IAsyncLifetime
{
    protected Actors.Pool Pool { get; private set; } = null!;

    protected virtual PoolOptions Options => new();

    protected static CoordinatorOptions CoordinatorOptions => new()
    {
        Processes = 2,
        ListenAddress = $"unix:@actors-test-{Environment.ProcessId}-{Guid.NewGuid():N}",
        Lane = new LaneOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200), HeartbeatTimeout = TimeSpan.FromSeconds(2) },
    };

    public async Task InitializeAsync() => Pool = await Actors.Pool.StartAsync(Options, CoordinatorOptions);

    public async Task DisposeAsync() => await Pool.DisposeAsync();
}
