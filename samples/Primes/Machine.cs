using System.Diagnostics;

namespace Actors.Samples;

/// <summary>How busy the machine is, from Linux's /proc/stat; elsewhere the sample does not wait.</summary>
internal static class Machine
{
    /// <summary>
    /// Waits until the machine's cores are at least 90% idle over 100 ms (right after <c>dotnet run</c> has built, the CLI
    /// recompiles its own code in the background for a second or so), at most <paramref name="limit"/>. Returns how long
    /// it waited and how busy the machine was in the last 100 ms it measured (0 to 1; 0 where /proc/stat is missing).
    /// </summary>
    public static async Task<(TimeSpan Waited, double Busy)> WaitUntilQuietAsync(TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        if (!File.Exists("/proc/stat"))
        {
            return (TimeSpan.Zero, 0);
        }
        double busy = 1;
        while (watch.Elapsed < limit)
        {
            (long busy0, long total0) = Read();
            await Task.Delay(100);
            (long busy1, long total1) = Read();
            busy = total1 > total0 ? (double)(busy1 - busy0) / (total1 - total0) : 0;
            if (busy <= 0.10)
            {
                break;
            }
        }
        return (watch.Elapsed, busy);
    }

    /// <summary>The first line of /proc/stat: busy and total clock ticks of all cores since boot.</summary>
    private static (long Busy, long Total) Read()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long[] ticks = [.. fields.Skip(1).Take(8).Select(long.Parse)];
        long idle = ticks[3] + ticks[4]; // idle and iowait
        return (ticks.Sum() - idle, ticks.Sum());
    }
}
