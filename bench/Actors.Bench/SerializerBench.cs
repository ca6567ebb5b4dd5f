using System.Buffers;
using System.Diagnostics;

namespace Actors.Bench;

/// <summary>Payload serializer: a small record round trip, and a 1 MiB double array (the raw fast path).</summary>
internal sealed class SerializerBench : IBench
{
    private const int SmallRoundTrips = 1_000_000;
    private const int ArrayRoundTrips = 2_000;

    public string Name => "serializer";

    public int DefaultRepeats => 5;

    public sealed record Order(int Id, string Customer, double Price, DateTime At);

    public Task RunAsync(BenchSink sink, int repeats)
    {
        IPayloadSerializer serializer = new PayloadSerializer(new SerializerOptions().Allow(typeof(Order)));
        var order = new Order(42, "ada", 9.99, new DateTime(2026, 11, 22, 0, 0, 0, DateTimeKind.Utc));
        double[] array = [.. Enumerable.Range(0, (1 << 20) / sizeof(double)).Select(i => i * 0.5)];
        var buffer = new ArrayBufferWriter<byte>(2 << 20);

        RoundTripSmall(serializer, order, buffer, 100_000);
        RoundTripArray(serializer, array, buffer, 200);
        var small = new List<double>();
        var encode = new List<double>();
        var arrays = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            small.Add(RoundTripSmall(serializer, order, buffer, SmallRoundTrips));
            (double roundTrip, double encodeOnly) = RoundTripArray(serializer, array, buffer, ArrayRoundTrips);
            arrays.Add(roundTrip);
            encode.Add(encodeOnly);
        }
        sink.Emit(Name, "small_record_roundtrip_us", small, "us", new { record = "Order(int, string, double, DateTime)", round_trips = SmallRoundTrips });
        sink.Emit(Name, "double_array_1mib_GB_per_s", arrays, "GB/s", new { bytes = 1 << 20, round_trips = ArrayRoundTrips, note = "encode + decode" });
        sink.Emit(Name, "double_array_1mib_encode_GB_per_s", encode, "GB/s", new { bytes = 1 << 20, round_trips = ArrayRoundTrips });
        return Task.CompletedTask;
    }

    private static double RoundTripSmall(IPayloadSerializer serializer, SerializerBench.Order order, ArrayBufferWriter<byte> buffer, int n)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            buffer.ResetWrittenCount();
            serializer.Serialize(buffer, order, typeof(Order));
            if (serializer.Deserialize<Order>(buffer.WrittenSpan) is null) throw new InvalidOperationException("round trip failed");
        }
        return watch.Elapsed.TotalMicroseconds / n;
    }

    private static (double RoundTrip, double Encode) RoundTripArray(IPayloadSerializer serializer, double[] array, ArrayBufferWriter<byte> buffer, int n)
    {
        long encodeTicks = 0;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            buffer.ResetWrittenCount();
            serializer.Serialize(buffer, array, typeof(double[]));
            encodeTicks += Stopwatch.GetTimestamp() - t0;
            if (serializer.Deserialize<double[]>(buffer.WrittenSpan) is not { Length: > 0 }) throw new InvalidOperationException("round trip failed");
        }
        double bytes = (double)n * (1 << 20);
        return (bytes / watch.Elapsed.TotalSeconds / 1e9, bytes / (encodeTicks / (double)Stopwatch.Frequency) / 1e9);
    }
}
