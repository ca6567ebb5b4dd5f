using System.Diagnostics;

namespace Actors.Bench;

/// <summary>The anchor's <c>queue_throughput</c>: one producer process puts 200k small ints (or 20k 1 KiB byte strings) and a sentinel; the parent gets them.</summary>
internal sealed class QueueThroughputBench : IBench
{
    public string Name => "queue_throughput";

    public int DefaultRepeats => 5;

    public static void ProduceInts(ProcessQueue<int> queue, ProcessEvent ready, ProcessEvent go, int n)
    {
        ready.Set();
        go.Wait();
        for (int i = 0; i < n; i++)
        {
            queue.Put(i);
        }
        queue.Put(-1);
    }

    public static void ProduceBytes(ProcessQueue<byte[]?> queue, ProcessEvent ready, ProcessEvent go, int n)
    {
        byte[] payload = [.. Enumerable.Range(0, 1024).Select(i => (byte)i)];
        ready.Set();
        go.Wait();
        for (int i = 0; i < n; i++)
        {
            queue.Put(payload);
        }
        queue.Put(null);
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        const int Ints = 200_000;
        const int Blobs = 20_000;
        var ints = new List<double>();
        var blobs = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            ints.Add(Ints / Run<int>(ProduceInts, Ints, x => x < 0));
            blobs.Add(Blobs / Run<byte[]?>(ProduceBytes, Blobs, x => x is null));
        }
        sink.Emit(Name, "int_msgs_per_s", ints, "msgs/s", new { N = Ints, producer = "1 process", consumer = "main" });
        sink.Emit(Name, "bytes1k_msgs_per_s", blobs, "msgs/s", new { N = Blobs, producer = "1 process", consumer = "main" });
        sink.Emit(Name, "bytes1k_payload_MB_per_s", [.. blobs.Select(b => b * 1024 / 1e6)], "MB/s", new { N = Blobs, msg_bytes = 1024 });
        return Task.CompletedTask;
    }

    private static double Run<T>(Action<ProcessQueue<T>, ProcessEvent, ProcessEvent, int> producer, int n, Func<T, bool> isEnd)
    {
        using var queue = new ProcessQueue<T>();
        using var ready = new ProcessEvent();
        using var go = new ProcessEvent();
        var child = new ChildProcess(producer, [queue, ready, go, n]);
        child.Start();
        ready.Wait();
        long start = Stopwatch.GetTimestamp();
        go.Set();
        int count = 0;
        while (!isEnd(queue.Get()))
        {
            count++;
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        child.Join();
        if (count != n || child.ExitCode != 0)
        {
            throw new InvalidOperationException($"got {count} of {n} items; the producer exited with {child.ExitCode}");
        }
        return seconds;
    }
}

/// <summary>The anchor's <c>pipe</c>: ping-pong of small ints with an echo child (p50, p99, mean), and 64 × 1 MiB send_bytes from a child.</summary>
internal sealed class PipeBench : IBench
{
    private const int MiB = 1 << 20;

    public string Name => "pipe";

    public int DefaultRepeats => 5;

    public static void Echo(Connection connection)
    {
        while (connection.Recv() is { } message)
        {
            connection.Send(message);
        }
        connection.Close();
    }

    public static void BulkSender(Connection connection, int count, int size)
    {
        byte[] buffer = new byte[size];
        Array.Fill(buffer, (byte)0x5a);
        while (connection.Recv() is not null)
        {
            for (int i = 0; i < count; i++)
            {
                connection.SendBytes(buffer);
            }
        }
        connection.Close();
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        const int N = 20_000;
        (Connection a, Connection b) = Connection.Pipe();
        var echo = new ChildProcess(Echo, [b]);
        echo.Start();
        b.Close();
        for (int i = 0; i < 500; i++)
        {
            a.Send(i);
            a.Recv();
        }
        List<double> p50 = [], p99 = [], mean = [];
        var samples = new double[N];
        for (int r = 0; r < repeats; r++)
        {
            for (int i = 0; i < N; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                a.Send(i);
                a.Recv();
                samples[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            double[] sorted = [.. samples.Order()];
            p50.Add(BenchSink.Percentile(sorted, 50));
            p99.Add(BenchSink.Percentile(sorted, 99));
            mean.Add(samples.Average());
        }
        a.Send(null);
        echo.Join();
        a.Close();
        sink.Emit(Name, "rtt_p50_us", p50, "us", new { N, payload = "small int", duplex = true });
        sink.Emit(Name, "rtt_p99_us", p99, "us", new { N, payload = "small int", duplex = true });
        sink.Emit(Name, "rtt_mean_us", mean, "us", new { N, payload = "small int", duplex = true });

        const int Messages = 64;
        (Connection reader, Connection writer) = Connection.Pipe();
        var sender = new ChildProcess(BulkSender, [writer, Messages, MiB]);
        sender.Start();
        writer.Close();
        reader.Send("go");
        for (int i = 0; i < Messages; i++)
        {
            reader.RecvBytes(); // warm-up pass
        }
        var runs = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            reader.Send("go");
            long total = 0;
            for (int i = 0; i < Messages; i++)
            {
                total += reader.RecvBytes().Length;
            }
            runs.Add(total / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e6);
        }
        var into = new List<double>();
        byte[] buffer = new byte[MiB];
        for (int r = 0; r < repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            reader.Send("go");
            long total = 0;
            for (int i = 0; i < Messages; i++)
            {
                total += reader.RecvBytesInto(buffer);
            }
            into.Add(total / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e6);
        }
        reader.Send(null);
        sender.Join();
        reader.Close();
        sink.Emit(Name, "bulk_send_bytes_MB_per_s", runs, "MB/s", new { total_bytes = Messages * MiB, msg_bytes = MiB, direction = "child->parent", recv = "RecvBytes" });
        sink.Emit(Name, "bulk_recv_bytes_into_MB_per_s", into, "MB/s", new { total_bytes = Messages * MiB, msg_bytes = MiB, direction = "child->parent", recv = "RecvBytesInto, one buffer" });
        return Task.CompletedTask;
    }
}

/// <summary>The anchor's <c>value_lock</c>: 2 processes × 100k increments of a shared int under its lock.</summary>
internal sealed class ValueLockBench : IBench
{
    public string Name => "value_lock";

    public int DefaultRepeats => 5;

    public static void Increment(SharedValue<int> value, ProcessBarrier barrier, int n)
    {
        barrier.Wait();
        ProcessRLock guard = value.GetLock();
        for (int i = 0; i < n; i++)
        {
            using (guard.EnterScope())
            {
                value.Value++;
            }
        }
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        const int Each = 100_000;
        const int Processes = 2;
        var runs = new List<double>();
        bool exact = true;
        for (int r = 0; r < repeats; r++)
        {
            using var value = new SharedValue<int>(0);
            using var barrier = new ProcessBarrier(Processes + 1);
            ChildProcess[] children = [.. Enumerable.Range(0, Processes).Select(_ => new ChildProcess(Increment, [value, barrier, Each]))];
            foreach (ChildProcess child in children)
            {
                child.Start();
            }
            barrier.Wait();
            long t0 = Stopwatch.GetTimestamp();
            foreach (ChildProcess child in children)
            {
                child.Join();
            }
            runs.Add(Each * Processes / Stopwatch.GetElapsedTime(t0).TotalSeconds);
            exact &= value.Value == Each * Processes;
        }
        sink.Emit(Name, "increments_per_s", runs, "incr/s", new { processes = Processes, per_process = Each, @lock = "GetLock() (ProcessRLock)" });
        sink.Emit(Name, "final_value_exact", [exact ? 1 : 0], "bool", new { expected = Each * Processes });
        return Task.CompletedTask;
    }
}

/// <summary>The anchor's <c>shared_memory</c>: 256 MiB created here, attached and written by a child in 1 MiB blocks, read back here; attach latency.</summary>
internal sealed class SharedMemoryBench : IBench
{
    private const int MiB = 1 << 20;
    private const int Size = 256 * MiB;

    public string Name => "shared_memory";

    public int DefaultRepeats => 3;

    public static (double Attach, double Cold, double Warm) Child(string name)
    {
        long t0 = Stopwatch.GetTimestamp();
        using SharedMemory block = SharedMemory.Attach(name);
        double attach = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        byte[] chunk = new byte[MiB];
        Array.Fill(chunk, (byte)0xab);
        long t1 = Stopwatch.GetTimestamp();
        for (int offset = 0; offset < Size; offset += MiB)
        {
            chunk.CopyTo(block.AsSpan(offset, MiB));
        }
        double cold = Stopwatch.GetElapsedTime(t1).TotalSeconds;
        Array.Fill(chunk, (byte)0x5c);
        long t2 = Stopwatch.GetTimestamp();
        for (int offset = 0; offset < Size; offset += MiB)
        {
            chunk.CopyTo(block.AsSpan(offset, MiB));
        }
        double warm = Stopwatch.GetElapsedTime(t2).TotalSeconds;
        return (attach, cold, warm);
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        List<double> create = [], childAttach = [], cold = [], warm = [], read = [], parentAttach = [];
        bool sampleOk = true;
        for (int r = 0; r < repeats; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            SharedMemory block = SharedMemory.Create(Size);
            create.Add(Stopwatch.GetElapsedTime(t0).TotalMicroseconds);
            // Started warm, our counterpart of the fork start method CPython's anchor uses here: a process prepared in advance.
            ChildProcess<(double, double, double)> child = Multiprocessing.GetContext(Multiprocessing.Warm).Process<(double, double, double)>(Child, [block.Name]);
            child.Start();
            child.Join();
            (double attach, double coldS, double warmS) = child.Result;
            childAttach.Add(attach * 1e6);
            cold.Add(Size / coldS / 1e9);
            warm.Add(Size / warmS / 1e9);
            Span<byte> bytes = block.AsSpan();
            long sum = 0;
            for (int i = 0; i < Size; i += 4096)
            {
                sum += bytes[i];
            }
            sampleOk &= sum == 0x5cL * (Size / 4096);
            byte[] copy = new byte[MiB];
            long t1 = Stopwatch.GetTimestamp();
            for (int offset = 0; offset < Size; offset += MiB)
            {
                bytes.Slice(offset, MiB).CopyTo(copy);
            }
            read.Add(Size / Stopwatch.GetElapsedTime(t1).TotalSeconds / 1e9);
            var attaches = new double[200];
            for (int i = 0; i < attaches.Length; i++)
            {
                long t2 = Stopwatch.GetTimestamp();
                SharedMemory again = SharedMemory.Attach(block.Name);
                attaches[i] = Stopwatch.GetElapsedTime(t2).TotalMicroseconds;
                again.Close();
            }
            parentAttach.Add(BenchSink.Percentile([.. attaches.Order()], 50));
            block.Close();
            block.Unlink();
        }
        sink.Emit(Name, "create_us", create, "us", new { size_bytes = Size });
        sink.Emit(Name, "child_first_attach_us", childAttach, "us", new { size_bytes = Size, start_method = "warm" });
        sink.Emit(Name, "parent_attach_p50_us", parentAttach, "us", new { size_bytes = Size, n = 200, note = "SharedMemory.Attach only; Close excluded" });
        sink.Emit(Name, "child_write_cold_GB_per_s", cold, "GB/s", new { note = "first pass over fresh segment (includes page faults)" });
        sink.Emit(Name, "child_write_warm_GB_per_s", warm, "GB/s", new { note = "second pass, pages already mapped" });
        sink.Emit(Name, "parent_read_copy_GB_per_s", read, "GB/s", new { note = "copy 1 MiB chunks into a byte[]" });
        sink.Emit(Name, "parent_sample_sum_ok", [sampleOk ? 1 : 0], "bool", new { sample = "every 4096th byte" });
        return Task.CompletedTask;
    }
}

/// <summary>The anchor's <c>manager_dict</c>: 20k sets on a manager's dictionary from a child process, timed inside the child.</summary>
internal sealed class ManagerDictBench : IBench
{
    private const int N = 20_000;

    public string Name => "manager_dict";

    public int DefaultRepeats => 3;

    public static double Fill(ManagedDict<int, int> dict, int n)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < n; i++)
        {
            dict[i] = i;
        }
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        long t0 = Stopwatch.GetTimestamp();
        using Manager manager = Manager.Start();
        ManagedDict<int, int> dict = manager.Dict<int, int>();
        double startMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var runs = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            dict.Clear();
            var child = new ChildProcess<double>(Fill, [dict, N]);
            child.Start();
            child.Join();
            if (dict.Count != N || dict[N - 1] != N - 1)
            {
                throw new InvalidOperationException($"the dictionary holds {dict.Count} entries, not {N}");
            }
            runs.Add(N / child.Result);
        }
        sink.Emit(Name, "set_ops_per_s", runs, "ops/s", new { N, note = "timed inside the child" });
        sink.Emit(Name, "manager_start_ms", [startMs], "ms");
        return Task.CompletedTask;
    }
}
