using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Actors.Bench;

/// <summary>Parses the anchor script's arguments, runs the chosen benches and writes the header and records.</summary>
internal static class BenchRunner
{
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<IBench> benches)
    {
        string outPath = Path.Combine(AppContext.BaseDirectory, "results.jsonl");
        int? repeats = null;
        var names = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--list":
                    for (int b = 0; b < benches.Count; b++)
                    {
                        Console.WriteLine($"{b + 1,2} {benches[b].Name} (repeats={benches[b].DefaultRepeats})");
                    }
                    return 0;
                case "--out" when i + 1 < args.Length:
                    outPath = args[++i];
                    break;
                case "--repeats" when i + 1 < args.Length && int.TryParse(args[i + 1], out int r) && r > 0:
                    repeats = r;
                    i++;
                    break;
                default:
                    names.AddRange(args[i].Split(',', StringSplitOptions.RemoveEmptyEntries));
                    break;
            }
        }
        var selected = new List<IBench>();
        foreach (string name in names)
        {
            IBench? bench = int.TryParse(name, out int n) && n >= 1 && n <= benches.Count ? benches[n - 1] : benches.FirstOrDefault(b => b.Name == name);
            if (bench is null)
            {
                Console.Error.WriteLine($"unknown bench '{name}'; choose from: {string.Join(", ", benches.Select(b => b.Name))}");
                return 2;
            }
            if (!selected.Contains(bench)) selected.Add(bench);
        }
        if (selected.Count == 0) selected.AddRange(benches);

        using var sink = new BenchSink(new StreamWriter(outPath));
        sink.Write(Header(selected, args, repeats));
        var total = Stopwatch.StartNew();
        foreach (IBench bench in selected)
        {
            int r = repeats ?? bench.DefaultRepeats;
            Console.Error.WriteLine($"# {bench.Name} (repeats={r}) ...");
            var watch = Stopwatch.StartNew();
            await bench.RunAsync(sink, r);
            Console.Error.WriteLine($"# {bench.Name} done in {watch.Elapsed.TotalSeconds:F1}s");
        }
        sink.Write(new JsonObject { ["bench"] = "suite", ["metric"] = "total_wall_s", ["value"] = Math.Round(total.Elapsed.TotalSeconds, 3), ["unit"] = "s", ["stat"] = "single" });
        return 0;
    }

    private static JsonObject Header(List<IBench> selected, string[] args, int? repeats)
    {
        string? cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new JsonObject
        {
            ["header"] = true,
            ["dotnet_version"] = RuntimeInformation.FrameworkDescription,
            ["nproc"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
            ["cpu_model"] = cpu,
            ["platform"] = RuntimeInformation.OSDescription,
            ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
            ["timestamp_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["benches"] = new JsonArray([.. selected.Select(b => (JsonNode)b.Name)]),
            ["repeats_override"] = repeats,
            ["argv"] = new JsonArray([.. args.Select(a => (JsonNode)a)]),
            ["units"] = "MB=1e6 B, GB=1e9 B; value = median of runs",
        };
    }
}
