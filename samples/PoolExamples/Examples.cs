using System.Diagnostics;

namespace Actors.Samples.PoolExamples;

/// <summary>The seed tutorials' <c>multiprocessing.Pool</c> examples, one method each, printing what the Python version prints.</summary>
internal static class Examples
{
    public static readonly (string Name, Action Run)[] All =
    [
        ("squares", Squares), ("map", Map), ("map-async", MapAsync), ("imap", Imap), ("starmap", Starmap),
        ("primes", LargePrimes), ("cpu-count", CpuCount), ("sequential-vs-pool", SequentialVersusPool), ("exercise-3", Exercise3),
    ];

    /// <summary>Python's list repr: [1, 4, 9].</summary>
    private static string Repr<T>(IEnumerable<T> values) => $"[{string.Join(", ", values)}]";

    private static int Square(int n) => n * n;

    // "Using a Process Pool"
    private static void Squares()
    {
        using Pool pool = Pool.Start();
        List<int> results = pool.Map(Square, [1, 2, 3, 4, 5]);
        Console.WriteLine(Repr(results));
    }

    // map: preserves order, collects results
    private static void Map()
    {
        List<int> numbers = [.. Enumerable.Range(1, 10000)];
        List<int> squares;
        using (Pool pool = Pool.Start())
        {
            squares = pool.Map(Square, numbers);
        }
        Console.WriteLine($"First 5: {Repr(squares.Take(5))}");
    }

    private static bool IsPrimeSimple(int n)
    {
        if (n < 2)
        {
            return false;
        }
        for (int i = 2; i <= (int)Math.Sqrt(n); i++)
        {
            if (n % i == 0)
            {
                return false;
            }
        }
        return true;
    }

    // map_async: asynchronous version
    private static void MapAsync()
    {
        List<bool> primes;
        using (Pool pool = Pool.Start(new PoolOptions { Processes = 4 }))
        {
            AsyncResult<List<bool>> asyncResult = pool.MapAsync(IsPrimeSimple, Enumerable.Range(100_000, 100));
            // Can do other work here
            primes = asyncResult.Get(TimeSpan.FromSeconds(10));
        }
        Console.WriteLine($"Prime count: {primes.Count(p => p)}");
    }

    // imap: returns an iterator (memory efficient)
    private static void Imap()
    {
        using (Pool pool = Pool.Start())
        {
            foreach (int result in pool.Imap(Square, Enumerable.Range(0, 10), chunksize: 3))
            {
                Console.Write($"{result} ");
            }
        }
        Console.WriteLine();
    }

    private static long Power(int @base, int exp) => (long)Math.Pow(@base, exp);

    // starmap: pass multiple arguments
    private static void Starmap()
    {
        (int, int)[] args = [(2, 10), (3, 5), (4, 3)];
        using Pool pool = Pool.Start();
        List<long> results = pool.Starmap(Power, args);
        Console.WriteLine($"Powers: {Repr(results)}");
    }

    private static bool IsPrime(long n)
    {
        if (n < 2)
        {
            return false;
        }
        if (n % 2 == 0 && n != 2)
        {
            return false;
        }
        long limit = (long)Math.Sqrt(n) + 1;
        for (long i = 3; i < limit; i += 2)
        {
            if (n % i == 0)
            {
                return false;
            }
        }
        return true;
    }

    // The prime check over large numbers
    private static void LargePrimes()
    {
        long[] numbers = [10_000_019, 10_000_033, 10_000_079, 10_000_081];
        Console.WriteLine($"CPU cores available: {Multiprocessing.CpuCount()}");
        long start = Stopwatch.GetTimestamp();
        List<bool> results;
        using (Pool pool = Pool.Start())
        {
            results = pool.Map(IsPrime, numbers);
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        foreach ((long n, bool r) in numbers.Zip(results))
        {
            Console.WriteLine($"{n} prime? {r}");
        }
        Console.WriteLine($"Completed in {elapsed.TotalSeconds:F3} seconds using multiprocessing");
    }

    private static void CpuCount() => Console.WriteLine($"CPU cores available: {Multiprocessing.CpuCount()}");

    /// <summary>A CPU-heavy function: counts the primes below a bound by trial division.</summary>
    private static int PrimesBelow(int bound)
    {
        int count = 0;
        for (int n = 2; n < bound; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }
        return count;
    }

    // The exercise: a CPU-heavy function, sequentially in a loop, then with Pool.Map; compare the times
    private static void SequentialVersusPool()
    {
        int[] bounds = [.. Enumerable.Repeat(300_000, 4 * Multiprocessing.CpuCount())];
        using Pool pool = Pool.Start();
        // Each way runs once untimed first: a warm loop against warm workers (the JIT's tiers settle in both).
        _ = bounds.Select(PrimesBelow).ToList();
        pool.Map(PrimesBelow, bounds);
        long start = Stopwatch.GetTimestamp();
        List<int> sequential = [.. bounds.Select(PrimesBelow)];
        TimeSpan sequentialTime = Stopwatch.GetElapsedTime(start);
        start = Stopwatch.GetTimestamp();
        List<int> parallel = pool.Map(PrimesBelow, bounds);
        TimeSpan poolTime = Stopwatch.GetElapsedTime(start);
        Console.WriteLine($"same results: {sequential.SequenceEqual(parallel)}");
        Console.WriteLine($"Sequential: {sequentialTime.TotalSeconds:F2}s, Parallel: {poolTime.TotalSeconds:F2}s");
        Console.WriteLine($"Speedup: {sequentialTime / poolTime:F1}x");
    }

    private static int Cube(int n) => n * n * n;

    // Practice exercise 3: a process pool computes cubes of 1 to 5
    private static void Exercise3()
    {
        using Pool pool = Pool.Start();
        List<int> result = pool.Map(Cube, [1, 2, 3, 4, 5]);
        Console.WriteLine(Repr(result));
    }
}
