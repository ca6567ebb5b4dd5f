using System.Diagnostics;

namespace Actors.Samples;

/// <summary>How busy the machine is, from Linux's /proc/stat; elsewhere the sample does not wait.</summary>
internal static class Machine
{
    /// <summary>Waits until the whole machine's cores are at least 90% idle over 100 ms, at most <paramref name="limit"/>; returns how long it waited.</summary>
    public static async Task<TimeSpan> WaitUntilQuietAsync(TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        if (!File.Exists("/proc/stat"))
        {
            return TimeSpan.Zero;
        }
        while (watch.Elapsed < limit)
        {
            (long busy0, long total0) = Read();
            await Task.Delay(100);
            (long busy1, long total1) = Read();
            if (total1 > total0 && (busy1 - busy0) * 10 <= total1 - total0)
            {
                break;
            }
        }
        return watch.Elapsed;
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
