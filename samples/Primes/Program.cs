using System.Diagnostics;
using Actors;

// The heavy primes workload of the CPython anchor (2000 integers from 1e11, trial division), run
// sequentially and then on one actor per core. Today the actors share this process; once the
// worker processes land (issues 3 and 4) the same job runs on the Pool across real processes.
const long Start = 100_000_000_000;
const int Count = 2000;
int workers = Environment.ProcessorCount;

var watch = Stopwatch.StartNew();
int sequential = 0;
for (long n = Start; n < Start + Count; n++)
{
    if (Primes.IsPrime(n)) sequential++;
}
TimeSpan sequentialTime = watch.Elapsed;
Console.WriteLine($"sequential: {sequential} primes in {sequentialTime.TotalSeconds:F2} s");

await using ActorSystem system = ActorSystem.Create();
ActorRef[] actors = [.. Enumerable.Range(0, workers).Select(i => system.Spawn(Props.Create<PrimeCounter>(), $"primes-{i}"))];
watch.Restart();
int slice = (Count + workers - 1) / workers;
Task<int>[] parts = [.. actors.Select((a, i) => a.AskAsync<int>(new PrimeCounter.Range(Start + i * slice, Math.Min(slice, Count - i * slice)), TimeSpan.FromMinutes(5)))];
int parallel = (await Task.WhenAll(parts)).Sum();
TimeSpan parallelTime = watch.Elapsed;
Console.WriteLine($"{workers} actors: {parallel} primes in {parallelTime.TotalSeconds:F2} s");
Console.WriteLine($"speed-up: {sequentialTime / parallelTime:F2}x on {workers} cores (pid {Environment.ProcessId})");
return parallel == sequential ? 0 : 1;

internal static class Primes
{
    public static bool IsPrime(long n)
    {
        if (n < 2) return false;
        if (n % 2 == 0) return n == 2;
        long limit = (long)Math.Sqrt(n);
        for (long i = 3; i <= limit; i += 2)
        {
            if (n % i == 0) return false;
        }
        return true;
    }
}

internal sealed class PrimeCounter : Actor
{
    public sealed record Range(long From, int Count);

    protected override ValueTask ReceiveAsync(object message)
    {
        if (message is Range range)
        {
            int found = 0;
            for (long n = range.From; n < range.From + range.Count; n++)
            {
                if (Primes.IsPrime(n)) found++;
            }
            Context.Respond(found);
        }
        return default;
    }
}
