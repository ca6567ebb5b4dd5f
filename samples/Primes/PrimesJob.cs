using System.Diagnostics;
using Spectre.Console;

namespace Actors.Samples;

/// <summary>
/// The job itself. Every way is timed warm (each has run once before), in interleaved rounds (sequential, threads, pool,
/// then again), and reported as the median: a cold sequential run against a warm pool would flatter the pool.
/// </summary>
internal static class PrimesJob
{
    public const int MaxCount = 50_000_000;

    public sealed record Settings(long From, int Count, int? Processes, int Rounds);

    public static async Task<int> RunAsync(Settings settings, TextWriter output, CancellationToken cancellationToken)
    {
        if (settings.From > long.MaxValue - settings.Count)
        {
            await Console.Error.WriteLineAsync("error: --from plus --count goes past the largest 64-bit number.").ConfigureAwait(false);
            return 2;
        }
        long[] numbers = [.. Enumerable.Range(0, settings.Count).Select(i => settings.From + i)];
        bool live = !Console.IsOutputRedirected;
        output.WriteLine($"job: {settings.Count:N0} numbers from {settings.From:N0}, {settings.Rounds} timed round(s) of each way, machine with {Environment.ProcessorCount} cores");

        var watch = Stopwatch.StartNew();
        await using Pool pool = await Pool.StartAsync(new PoolOptions { Processes = settings.Processes }, cancellationToken: cancellationToken).ConfigureAwait(false);
        output.WriteLine($"pool start-up: {pool.Processes} worker processes in {watch.Elapsed.TotalMilliseconds:F0} ms");

        // Warm-up: each way runs once on a slice, so no timed round pays for compiling IsPrime.
        long[] slice = numbers[..Math.Min(numbers.Length, pool.Processes * 8)];
        Sequential(slice);
        Threads(slice, pool.Processes);
        pool.Map(Primes.IsPrime, slice, chunksize: 1, cancellationToken: cancellationToken);

        (TimeSpan waited, double busy) = await Machine.WaitUntilQuietAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        if (busy > 0.10)
        {
            output.WriteLine($"note: the machine was {busy:P0} busy with other work after {waited.TotalSeconds:F1} s of waiting; timing anyway, figures may be noisy");
        }

        var sequentialTimes = new List<TimeSpan>();
        var threadTimes = new List<TimeSpan>();
        var poolTimes = new List<TimeSpan>();
        int sequential = 0, threaded = 0, parallel = 0;
        void RunRounds(Func<int, IProgress<PoolProgress>> progressFor, Action<IProgress<PoolProgress>> ended)
        {
            for (int round = 1; round <= settings.Rounds; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sequentialTimes.Add(Time(() => sequential = Sequential(numbers)));
                threadTimes.Add(Time(() => threaded = Threads(numbers, pool.Processes)));
                IProgress<PoolProgress> progress = progressFor(round);
                poolTimes.Add(Time(() => parallel = pool.Map(Primes.IsPrime, numbers, progress: progress, cancellationToken: cancellationToken).Count(f => f)));
                ended(progress); // the progress line is finished before anything else is written
            }
        }
        if (live)
        {
            // On a terminal: a live progress bar per round (Spectre.Console). In a pipe: plain lines, no control codes.
            Progress bars = AnsiConsole.Progress();
            bars.AutoClear = false;
            bars.Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RemainingTimeColumn())
                .Start(context => RunRounds(
                    round => new BarProgress(context.AddTask($"round {round}/{settings.Rounds}: pool", maxValue: numbers.Length)),
                    progress => ((BarProgress)progress).End()));
        }
        else
        {
            RunRounds(round => new ProgressLine(output, $"round {round}/{settings.Rounds}, pool"), progress => ((ProgressLine)progress).End());
        }
        int[] pids = [.. pool.Map(static (int _) => Environment.ProcessId, Enumerable.Range(0, pool.Processes * 8), chunksize: 1, cancellationToken: cancellationToken).Distinct().Order()];

        TimeSpan seq = Median(sequentialTimes), thr = Median(threadTimes), par = Median(poolTimes);
        if (live)
        {
            var table = new Table().AddColumns("way", "primes", $"median of {settings.Rounds}", "speed-up", "where");
            table.AddRow("sequential", $"{sequential}", $"{seq.TotalMilliseconds:F0} ms", "1.00x", $"this process ({Environment.ProcessId})");
            table.AddRow("threads (in-process ceiling)", $"{threaded}", $"{thr.TotalMilliseconds:F0} ms", $"{seq / thr:F2}x", $"{pool.Processes} threads in this process");
            table.AddRow("pool", $"{parallel}", $"{par.TotalMilliseconds:F0} ms", $"{seq / par:F2}x", $"{pool.Processes} workers: pids {string.Join(", ", pids)}");
            table.Caption($"{Environment.ProcessorCount} cores; pool start-up not counted");
            AnsiConsole.Write(table);
        }
        else
        {
            output.WriteLine($"sequential: {sequential} primes in {seq.TotalMilliseconds:F0} ms (median of {settings.Rounds})");
            output.WriteLine($"threads:    {threaded} primes in {thr.TotalMilliseconds:F0} ms on {pool.Processes} threads in this process");
            output.WriteLine($"pool:       {parallel} primes in {par.TotalMilliseconds:F0} ms on workers {string.Join(", ", pids)} (this process is {Environment.ProcessId})");
            output.WriteLine($"speed-up: {seq / par:F2}x with {pool.Processes} processes; in-process ceiling {seq / thr:F2}x with {pool.Processes} threads; {Environment.ProcessorCount} cores");
        }
        if (parallel != sequential || threaded != sequential)
        {
            await Console.Error.WriteLineAsync($"MISMATCH: sequential found {sequential}, threads {threaded}, pool {parallel}").ConfigureAwait(false);
            return 1;
        }
        return 0;
    }

    private static int Sequential(long[] numbers) => numbers.Count(Primes.IsPrime);

    private static int Threads(long[] numbers, int threads) => numbers.AsParallel().WithDegreeOfParallelism(threads).Count(Primes.IsPrime);

    private static TimeSpan Time(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start);
    }

    private static TimeSpan Median(List<TimeSpan> times)
    {
        TimeSpan[] sorted = [.. times.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Progress as plain lines, for a pipe: no carriage returns, no escapes.</summary>
    private sealed class ProgressLine(TextWriter output, string label) : IProgress<PoolProgress>
    {
        private readonly object _gate = new();
        private bool _ended;

        public void Report(PoolProgress value)
        {
            lock (_gate)
            {
                if (!_ended) // a report that arrives after the call returned must not write into what follows
                {
                    output.WriteLine($"  {label}: {value.Done + value.Failed}/{value.Total} done, {value.ItemsPerSecond:N0}/s, eta {value.Eta?.TotalSeconds ?? 0:F1} s");
                }
            }
        }

        public void End()
        {
            lock (_gate)
            {
                _ended = true;
            }
        }
    }

    /// <summary>Progress as a live Spectre.Console bar, for a terminal.</summary>
    private sealed class BarProgress(ProgressTask task) : IProgress<PoolProgress>
    {
        public void Report(PoolProgress value) => task.Value = value.Done + value.Failed;

        public void End()
        {
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
