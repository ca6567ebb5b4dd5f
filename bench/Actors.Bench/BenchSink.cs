using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Actors.Bench;

/// <summary>Writes JSON lines in the CPython anchor's shape to stdout and to the --out file.</summary>
internal sealed class BenchSink(TextWriter file) : IDisposable
{
    public void Write(JsonObject record)
    {
        string line = record.ToJsonString();
        Console.WriteLine(line);
        file.WriteLine(line);
        file.Flush();
    }

    /// <summary>Emits a metric whose value is the median of <paramref name="runs"/>.</summary>
    public void Emit(string bench, string metric, IReadOnlyList<double> runs, string unit, object? parameters = null)
    {
        var record = new JsonObject
        {
            ["bench"] = bench,
            ["metric"] = metric,
            ["value"] = Round(Median(runs)),
            ["unit"] = unit,
            ["stat"] = "median",
            ["runs"] = new JsonArray([.. runs.Select(r => (JsonNode)Round(r))]),
        };
        if (parameters is not null)
        {
            record["params"] = JsonSerializer.SerializeToNode(parameters);
        }
        Write(record);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = [.. values.Order()];
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Nearest-rank percentile of sorted values, as the anchor computes it.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        int k = Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[k];
    }

    private static double Round(double value) => double.Parse(value.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public void Dispose() => file.Dispose();
}
