using System.Diagnostics;

namespace Actors.Bench;

/// <summary>
/// The anchor's <c>spawn_latency</c>: start and join of a process running an empty target, 20 times, per start method
/// (<c>spawn</c>: a fresh process; <c>warm</c>: a standby prepared in advance), plus the first process of each method.
/// </summary>
internal sealed class SpawnLatencyBench : IBench
{
    private const int N = 20;

    public string Name => "spawn_latency";

    public int DefaultRepeats => 1;

    public static void Empty()
    {
    }

    public Task RunAsync(BenchSink sink, int repeats)
    {
        foreach (string method in Multiprocessing.GetAllStartMethods())
        {
            ProcessContext context = Multiprocessing.GetContext(method);
            double first = StartJoin(context);
            var runs = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                for (int i = 0; i < N; i++)
                {
                    if (method == Multiprocessing.Warm)
                    {
                        Thread.Sleep(150); // the steady state of a warm start: its standby is ready (each takes one spawn to prepare)
                    }
                    runs.Add(StartJoin(context));
                }
            }
            sink.Emit(Name, $"{method}_start_join_ms", runs, "ms", new { n = N, method });
            sink.Emit(Name, $"{method}_first_process_ms", [first], "ms", new { method, note = "first process of this method (warm: includes preparing the standby)" });
        }
        return Task.CompletedTask;
    }

    private static double StartJoin(ProcessContext context)
    {
        long start = Stopwatch.GetTimestamp();
        ChildProcess child = context.Process(Empty);
        child.Start();
        child.Join();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"the empty process exited with {child.ExitCode}");
        }
        return ms;
    }
}
