using System.Diagnostics;
using Actors;
using Actors.Samples;

// The main job: the CPython anchor's primes workload (2000 integers, trial division), first sequentially
// in this process, then on one worker process per core through the Pool. The anchor starts at 1e11,
// which C# finishes in about 40 ms (CPython: 0.7 s), too little to show anything but coordination, so
// the job starts at 1e13 by default: about a second of real work. Override with --from N --count N.
long Start = Argument("--from", 10_000_000_000_000);
int Count = (int)Argument("--count", 2000);
long[] numbers = [.. Enumerable.Range(0, Count).Select(i => Start + i)];
bool live = !Console.IsOutputRedirected;

var watch = Stopwatch.StartNew();
int sequential = numbers.Count(Primes.IsPrime);
TimeSpan sequentialTime = watch.Elapsed;
Console.WriteLine($"sequential: {sequential} primes among {Count} numbers from {Start:N0} in {sequentialTime.TotalMilliseconds:F0} ms");

watch.Restart();
await using Pool pool = await Pool.StartAsync();
TimeSpan startup = watch.Elapsed;
Console.WriteLine($"pool: {pool.Processes} worker processes started in {startup.TotalMilliseconds:F0} ms");
pool.Map(Primes.IsPrime, numbers[..(pool.Processes * 8)], chunksize: 1); // warm-up: the workers compile IsPrime once

// Right after `dotnet run` has built, the dotnet CLI recompiles its own code in the background for a second
// or so, on one of the cores the pool is about to use: wait for the machine to go quiet before timing.
if (await Machine.WaitUntilQuietAsync(TimeSpan.FromSeconds(5)) is { TotalMilliseconds: > 150 } waited)
{
    Console.WriteLine($"waited {waited.TotalSeconds:F1} s for the machine to go quiet (other processes were busy)");
}

// The progress bar is this one line: a live line on a terminal, plain lines otherwise.
var progress = new Progress<PoolProgress>(p => Console.Write(live ? $"\r  {p.Done + p.Failed}/{p.Total} done, {p.ItemsPerSecond:N0}/s, eta {p.Eta?.TotalSeconds ?? 0:F1} s   " : $"  {p.Done + p.Failed}/{p.Total} done{Environment.NewLine}"));
watch.Restart();
List<bool> flags = pool.Map(Primes.IsPrime, numbers, progress: progress);
TimeSpan poolTime = watch.Elapsed;
int parallel = flags.Count(f => f);
if (live) Console.WriteLine();

int[] pids = [.. pool.Map(static (int _) => Environment.ProcessId, Enumerable.Range(0, pool.Processes * 8), chunksize: 1).Distinct().Order()];
Console.WriteLine($"pool: {parallel} primes in {poolTime.TotalMilliseconds:F0} ms on workers {string.Join(", ", pids)} (this process is {Environment.ProcessId})");
Console.WriteLine($"speed-up: {sequentialTime / poolTime:F2}x with {pool.Processes} processes on {Environment.ProcessorCount} cores (pool start-up {startup.TotalMilliseconds:F0} ms and one warm-up map not counted)");
long Argument(string name, long fallback)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && long.TryParse(args[at + 1], out long value) && value > 0 ? value : fallback;
}

if (parallel != sequential)
{
    Console.Error.WriteLine($"MISMATCH: sequential found {sequential}, pool found {parallel}");
    return 1;
}
return 0;
