using System.Buffers;
using System.Diagnostics;

namespace Actors.Bench;

/// <summary>
/// The payload serializer against Hyperion (on the design's list) on three payloads, each written as an Akka
/// message is (declared <c>object</c>, so both write a type name): time per round trip and bytes on the wire.
/// </summary>
internal sealed class HyperionBench : IBench
{
    public string Name => "serializer_vs_hyperion";

    public int DefaultRepeats => 5;

    public sealed record Order(int Id, string Customer, double Price, DateTime At);

    public sealed record Basket(string Owner, List<Order> Lines);

    public Task RunAsync(BenchSink sink, int repeats)
    {
        IPayloadSerializer ours = new PayloadSerializer(new SerializerOptions().Allow(typeof(Order)));
        var hyperion = new global::Hyperion.Serializer();
        var order = new Order(42, "ada", 9.99, new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc));
        var basket = new Basket("ada", [.. Enumerable.Range(0, 100).Select(i => order with { Id = i })]);
        double[] array = [.. Enumerable.Range(0, (1 << 20) / sizeof(double)).Select(i => i * 0.5)];
        foreach ((string name, object value, int n) in new (string, object, int)[] { ("small_record", order, 200_000), ("record_with_list_100", basket, 20_000), ("double_array_1mib", array, 500) })
        {
            Ours(ours, value, n / 10);
            RoundTripHyperion(hyperion, value, n / 10);
            var oursUs = new List<double>();
            var hyperionUs = new List<double>();
            for (int r = 0; r < repeats; r++)
            {
                oursUs.Add(Ours(ours, value, n).Us);
                hyperionUs.Add(RoundTripHyperion(hyperion, value, n).Us);
            }
            sink.Emit(Name, name + "_ours_us", oursUs, "us", new { round_trips = n });
            sink.Emit(Name, name + "_hyperion_us", hyperionUs, "us", new { round_trips = n });
            sink.Emit(Name, name + "_ours_bytes", [Ours(ours, value, 1).Bytes], "bytes");
            sink.Emit(Name, name + "_hyperion_bytes", [RoundTripHyperion(hyperion, value, 1).Bytes], "bytes");
        }
        return Task.CompletedTask;
    }

    private static (double Us, double Bytes) Ours(IPayloadSerializer serializer, object value, int n)
    {
        var buffer = new ArrayBufferWriter<byte>(2 << 20);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            buffer.ResetWrittenCount();
            serializer.Serialize(buffer, value, typeof(object));
            if (serializer.Deserialize<object>(buffer.WrittenSpan) is null) throw new InvalidOperationException("round trip failed");
        }
        return (watch.Elapsed.TotalMicroseconds / n, buffer.WrittenCount);
    }

    private static (double Us, double Bytes) RoundTripHyperion(global::Hyperion.Serializer serializer, object value, int n)
    {
        var stream = new MemoryStream(2 << 20);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            stream.SetLength(0);
            serializer.Serialize(value, stream);
            stream.Position = 0;
            if (serializer.Deserialize<object>(stream) is null) throw new InvalidOperationException("round trip failed");
        }
        return (watch.Elapsed.TotalMicroseconds / n, stream.Length);
    }
}
