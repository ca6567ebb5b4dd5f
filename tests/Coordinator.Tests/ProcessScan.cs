namespace Actors.Tests.Coordination;

/// <summary>Reads /proc to see which processes are alive and what they were started with.</summary>
internal static class ProcessScan
{
    public static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z'; // a zombie has exited; it only waits to be reaped
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Pids of live processes whose command line contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<int> WithCommandLine(string fragment)
    {
        var found = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Contains(fragment, StringComparison.Ordinal) && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return found;
    }

    /// <summary>True while an abstract Unix socket with this name is bound anywhere on the machine.</summary>
    public static bool AbstractSocketExists(string address) =>
        File.ReadLines("/proc/net/unix").Any(l => l.EndsWith(" @" + address["unix:@".Length..], StringComparison.Ordinal));

    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan within)
    {
        DateTime deadline = DateTime.UtcNow + within;
        while (DateTime.UtcNow < deadline)
        {
            if (condition()) return true;
            await Task.Delay(20);
        }
        return condition();
    }
}
