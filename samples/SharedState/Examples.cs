namespace Actors.Samples.SharedState;

/// <summary>
/// The seed tutorials' examples of queues, pipes, shared values, arrays, locks and shared memory, one method each,
/// printing what the Python version prints. The targets are static methods: they travel to the child process by name,
/// and the queues, pipes, values and locks they take arrive attached to the same shared objects.
/// </summary>
internal static class Examples
{
    /// <summary>Every example by its name, in the order the tutorials show them.</summary>
    public static readonly (string Name, Action Run)[] All =
    [
        ("queue-squares", QueueSquares), ("double", Double), ("compute", Compute), ("pipe", PipeExample),
        ("producer-consumer", ProducerConsumer), ("counter", Counter), ("array", ArrayExample), ("shared-memory", SharedMemoryExample),
        ("value", ValueExample), ("exercise-4", Exercise4), ("log-queue", LogThroughQueue.Run),
    ];

    // "Queue": squares sent back through a queue, with a None sentinel
    private static void QueueSquares()
    {
        int[] nums = [1, 2, 3, 4, 5];
        var q = new ProcessQueue<(int, int)?>();
        var p = new ChildProcess(SquareWorker, [nums, q]);
        p.Start();
        while (q.Get() is (int n, int sq))
        {
            Console.WriteLine($"{n} squared is {sq}");
        }
        p.Join();
        Console.WriteLine("Done reading from queue");
    }

    private static void SquareWorker(int[] numbers, ProcessQueue<(int, int)?> queue)
    {
        foreach (int n in numbers)
        {
            queue.Put((n, n * n));
        }
        queue.Put(null); // sentinel value to mark end
    }

    // "Returning values": a number doubled in a child and sent back through a queue
    private static void Double()
    {
        var q = new ProcessQueue<int>();
        var p = new ChildProcess(DoubleNumber, [10, q]);
        p.Start();
        p.Join();
        int result = q.Get();
        Console.WriteLine($"Doubled number: {result}");
    }

    private static void DoubleNumber(int n, ProcessQueue<int> q) => q.Put(n * 2);

    // "Use Queue or Pipe to retrieve return values"
    private static void Compute()
    {
        var q = new ProcessQueue<long>();
        var p = new ChildProcess(Sum, [50_000_000, q]);
        p.Start();
        p.Join();
        Console.WriteLine($"Result: {q.Get()}");
    }

    private static void Sum(int n, ProcessQueue<long> resultQueue)
    {
        long result = 0;
        for (int i = 0; i < n; i++)
        {
            result += i;
        }
        resultQueue.Put(result);
    }

    // "Pipe: bidirectional communication channel"
    private static void PipeExample()
    {
        (Connection parentConn, Connection childConn) = Connection.Pipe();
        var p = new ChildProcess(PipeWorker, [childConn]);
        p.Start();
        parentConn.Send("hello world");
        string response = parentConn.Recv<string>();
        Console.WriteLine($"[Main] Response: {response}");
        p.Join();
    }

    private static void PipeWorker(Connection conn)
    {
        string msg = conn.Recv<string>();
        Console.WriteLine($"[Worker] Received: {msg}");
        conn.Send($"Processed: {msg.ToUpperInvariant()}");
        conn.Close();
    }

    // "Queue: multi-producer/consumer", with a None shutdown signal each consumer passes on
    private static void ProducerConsumer()
    {
        var q = new ProcessQueue<string?>();
        var prod = new ChildProcess(Producer, [q, 10]);
        ChildProcess[] cons = [.. Enumerable.Range(0, 2).Select(i => new ChildProcess(Consumer, [q, i]))];
        prod.Start();
        foreach (ChildProcess c in cons)
        {
            c.Start();
        }
        prod.Join();
        foreach (ChildProcess c in cons)
        {
            c.Join();
        }
    }

    private static void Producer(ProcessQueue<string?> q, int n)
    {
        for (int i = 0; i < n; i++)
        {
            q.Put($"item-{i}");
            Thread.Sleep(10);
        }
        q.Put(null); // Shutdown signal
    }

    private static void Consumer(ProcessQueue<string?> q, int workerId)
    {
        while (true)
        {
            string? item = q.Get();
            if (item is null)
            {
                q.Put(null);
                break;
            }
            Console.WriteLine($"[Consumer-{workerId}] {item}");
        }
    }

    // "Value: single shared value", four processes incrementing it under a lock
    private static void Counter()
    {
        var counter = new SharedValue<int>(0);
        var lk = new ProcessLock();
        ChildProcess[] procs = [.. Enumerable.Range(0, 4).Select(_ => new ChildProcess(IncrementCounter, [counter, lk, 1000]))];
        foreach (ChildProcess p in procs)
        {
            p.Start();
        }
        foreach (ChildProcess p in procs)
        {
            p.Join();
        }
        Console.WriteLine($"Counter: {counter.Value}"); // 4000
    }

    private static void IncrementCounter(SharedValue<int> val, ProcessLock lk, int times)
    {
        for (int i = 0; i < times; i++)
        {
            using (lk.EnterScope())
            {
                val.Value++;
            }
        }
    }

    // "Array: shared array", each half incremented by its own process
    private static void ArrayExample()
    {
        const int N = 100;
        var arr = new SharedArray<int>(N);
        for (int i = 0; i < N; i++)
        {
            arr[i] = i;
        }
        var p1 = new ChildProcess(IncrementArray, [arr, 0, N / 2]);
        var p2 = new ChildProcess(IncrementArray, [arr, N / 2, N]);
        p1.Start();
        p2.Start();
        p1.Join();
        p2.Join();
        Console.WriteLine($"arr[0]: {arr[0]}, arr[50]: {arr[50]}"); // Each incremented by 1
    }

    private static void IncrementArray(SharedArray<int> sharedArr, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            sharedArr[i] += 1;
        }
    }

    // "shared_memory module (zero-copy sharing)": a typed view over a block, as numpy's ndarray(buffer=shm.buf)
    private static void SharedMemoryExample()
    {
        SharedMemory shm = SharedMemory.Create(100 * 4);
        Span<int> sharedArr = shm.AsSpan<int>();
        for (int i = 0; i < 100; i++)
        {
            sharedArr[i] = i;
        }
        int sum = 0;
        foreach (int x in sharedArr)
        {
            sum += x;
        }
        Console.WriteLine($"Shared memory sum: {sum}");
        shm.Close();
        shm.Unlink(); // Cleanup
    }

    // "Sharing Data Between Processes": two processes each increment a Value once
    private static void ValueExample()
    {
        var num = new SharedValue<int>(0);
        var p1 = new ChildProcess(Increment, [num]);
        var p2 = new ChildProcess(Increment, [num]);
        p1.Start();
        p2.Start();
        p1.Join();
        p2.Join();
        Console.WriteLine(num.Value);
    }

    // As in Python, `value += 1` is a read then a write: racing processes can lose an increment. Add is atomic.
    private static void Increment(SharedValue<int> value) => value.Add(1);

    // Practice exercise 4: "Create a shared counter and increment it using two processes."
    private static void Exercise4()
    {
        var counter = new SharedValue<int>(0);
        var p1 = new ChildProcess(Increment, [counter]);
        var p2 = new ChildProcess(Increment, [counter]);
        p1.Start();
        p2.Start();
        p1.Join();
        p2.Join();
        Console.WriteLine($"Final value: {counter.Value}");
    }
}
