using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Actors.Runtime.Tests.Serialization;

public sealed class SerializerRoundTripTests
{
    internal static readonly IPayloadSerializer Serializer = new PayloadSerializer(new SerializerOptions().Allow(typeof(SerializerRoundTripTests)));

    internal static T RoundTrip<T>(T value) => Serializer.Deserialize<T>(Serializer.Serialize(value));

    private static void AssertProperty<T>(Func<T, bool> property) =>
        Prop.ForAll(ArbMap.Default.ArbFor<T>(), property).QuickCheckThrowOnFailure();

    public enum Color : byte { Red = 1, Green = 2 }

    public sealed record Line(string Product, int Quantity, decimal Price);

    public sealed record Order(Guid Id, string Customer, List<Line> Lines, Dictionary<string, int> Tags, DateTimeOffset At, Color Color, int? Discount);

    public sealed class WithPrivateState(int secret, string name)
    {
        private readonly int _secret = secret;
        private string _name = name;

        public int Secret => _secret;

        public string Name => _name;

        public int ReadOnlyComputed { get; } = secret * 2;

        public void Rename(string name) => _name = name;
    }

    public struct Point
    {
        public int X;
        private double _y;

        public Point(int x, double y) { X = x; _y = y; }

        public readonly double Y => _y;
    }

    public abstract record Shape;

    public sealed record Circle(double Radius) : Shape;

    public sealed record Square(double Side) : Shape;

    public sealed record Drawing(List<Shape> Shapes, object Anything, IComparable Key);

    public sealed class Node
    {
        public int Value;
        public Node? Next;
    }

    [Fact]
    public void Primitives_RoundTripExactly()
    {
        AssertProperty<int>(v => RoundTrip(v) == v);
        AssertProperty<long>(v => RoundTrip(v) == v);
        AssertProperty<ulong>(v => RoundTrip(v) == v);
        AssertProperty<short>(v => RoundTrip(v) == v);
        AssertProperty<byte>(v => RoundTrip(v) == v);
        AssertProperty<sbyte>(v => RoundTrip(v) == v);
        AssertProperty<char>(v => RoundTrip(v) == v);
        AssertProperty<bool>(v => RoundTrip(v) == v);
        AssertProperty<double>(v => RoundTrip(v).Equals(v)); // Equals: NaN equals NaN, bit-exact otherwise
        AssertProperty<float>(v => RoundTrip(v).Equals(v));
        AssertProperty<decimal>(v => RoundTrip(v) == v && decimal.GetBits(RoundTrip(v)).SequenceEqual(decimal.GetBits(v)));
        AssertProperty<string>(v => RoundTrip(v) == v);
        AssertProperty<Guid>(v => RoundTrip(v) == v);
        AssertProperty<TimeSpan>(v => RoundTrip(v) == v);
        AssertProperty<DateTimeOffset>(v => RoundTrip(v) == v && RoundTrip(v).Offset == v.Offset);
    }

    [Fact]
    public void DateTime_KeepsTicksAndKind()
    {
        AssertProperty<DateTime>(v => RoundTrip(v) == v && RoundTrip(v).Kind == v.Kind);
        foreach (DateTimeKind kind in Enum.GetValues<DateTimeKind>())
        {
            var value = new DateTime(638_000_000_000_000_123, kind);
            Assert.Equal(kind, RoundTrip(value).Kind);
        }
    }

    [Fact]
    public void EdgeValues_RoundTrip()
    {
        Assert.Equal(double.NaN, RoundTrip(double.NaN));
        Assert.Equal(double.NegativeZero, RoundTrip(double.NegativeZero));
        Assert.True(double.IsNegative(RoundTrip(-0.0)));
        Assert.Equal(decimal.MaxValue, RoundTrip(decimal.MaxValue));
        Assert.Equal("", RoundTrip(""));
        Assert.Equal("héllo ✓ 𝄞", RoundTrip("héllo ✓ 𝄞"));
        Assert.Null(RoundTrip<string?>(null));
        Assert.Equal(Int128.MaxValue, RoundTrip(Int128.MaxValue));
        Assert.Equal((Half)1.5, RoundTrip((Half)1.5));
        Assert.Equal(new DateOnly(2026, 11, 22), RoundTrip(new DateOnly(2026, 11, 22)));
        Assert.Equal(System.Numerics.BigInteger.Pow(3, 200), RoundTrip(System.Numerics.BigInteger.Pow(3, 200)));
    }

    [Fact]
    public void EnumsAndNullables_RoundTrip()
    {
        Assert.Equal(Color.Green, RoundTrip(Color.Green));
        Assert.Equal((Color)77, RoundTrip((Color)77));
        Assert.Equal(DayOfWeek.Friday, RoundTrip(DayOfWeek.Friday));
        Assert.Equal(5, RoundTrip<int?>(5));
        Assert.Null(RoundTrip<int?>(null));
        Assert.Equal(Color.Red, RoundTrip<Color?>(Color.Red));
    }

    [Fact]
    public void Arrays_RoundTrip_IncludingRawFastPath()
    {
        AssertProperty<int[]>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v));
        AssertProperty<double[]>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v));
        AssertProperty<string[]>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v));
        AssertProperty<byte[]>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v));
        AssertProperty<bool[]>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v)); // one block of 0/1 bytes
        Assert.Equal([true, false], (bool[])RoundTrip<object>(new[] { true, false })); // declared as object: the array keeps its type
        Assert.Equal([new Point(1, 2.5), new Point(-3, 4)], RoundTrip(new[] { new Point(1, 2.5), new Point(-3, 4) }));
        Assert.Equal([true, false, true], RoundTrip(new[] { true, false, true }));
        Assert.Equal([[1], [2, 3]], RoundTrip(new[] { new[] { 1 }, new[] { 2, 3 } }));
        Assert.Equal([1, null, 3], RoundTrip(new int?[] { 1, null, 3 }));
        Assert.Empty(RoundTrip(Array.Empty<long>()));
    }

    [Fact]
    public void RawArray_IsOneBlock_AboutTheSizeOfItsData()
    {
        double[] values = new double[1 << 17];
        byte[] bytes = Serializer.Serialize(values);
        Assert.InRange(bytes.Length, 1 << 20, (1 << 20) + 8);
    }

    [Fact]
    public void SerializeSpan_ReadsBackAsArray()
    {
        var buffer = new ArrayBufferWriter<byte>();
        ReadOnlySpan<int> span = [1, 2, 3, 4];
        PayloadSerializer.SerializeSpan(buffer, span[1..]);
        Assert.Equal([2, 3, 4], Serializer.Deserialize<int[]>(buffer.WrittenSpan));
        Assert.Equal(Serializer.Serialize(new[] { 2, 3, 4 }), buffer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Collections_RoundTrip()
    {
        AssertProperty<List<int>>(v => v is null ? RoundTrip(v) is null : RoundTrip(v).SequenceEqual(v));
        AssertProperty<string[]>(items => items is null || RoundTrip(new HashSet<string>(items.Where(i => i is not null))).SetEquals(items.Where(i => i is not null)));
        var dictionary = new Dictionary<int, List<string>> { [1] = ["a", "b"], [2] = [] };
        Dictionary<int, List<string>> back = RoundTrip(dictionary);
        Assert.Equal(dictionary.Keys, back.Keys);
        Assert.Equal(["a", "b"], back[1]);
        Assert.Empty(back[2]);
    }

    [Fact]
    public void Tuples_RoundTrip()
    {
        Assert.Equal((1, "two", 3.0), RoundTrip((1, "two", 3.0)));
        Assert.Equal(Tuple.Create(1, "a"), RoundTrip(Tuple.Create(1, "a")));
        Assert.Equal((1, 2, 3, 4, 5, 6, 7, 8, 9), RoundTrip((1, 2, 3, 4, 5, 6, 7, 8, 9)));
        Assert.Equal(new KeyValuePair<string, int>("k", 1), RoundTrip(new KeyValuePair<string, int>("k", 1)));
    }

    [Fact]
    public void RecordsAndNestedGraphs_RoundTrip()
    {
        var order = new Order(Guid.NewGuid(), "ada", [new Line("tea", 2, 3.50m), new Line("cake", 1, 4.25m)],
            new Dictionary<string, int> { ["rush"] = 1 }, DateTimeOffset.Now, Color.Green, null);
        Order back = RoundTrip(order);
        Assert.Equal(order.Id, back.Id);
        Assert.Equal(order.Lines, back.Lines);
        Assert.Equal(order.Tags, back.Tags);
        Assert.Equal(order.At, back.At);
        Assert.Null(back.Discount);
        var list = new Node { Value = 1, Next = new Node { Value = 2, Next = new Node { Value = 3 } } };
        Assert.Equal(3, RoundTrip(list).Next!.Next!.Value);
    }

    [Fact]
    public void PrivateAndReadonlyFields_RoundTrip()
    {
        var value = new WithPrivateState(7, "before");
        value.Rename("after");
        WithPrivateState back = RoundTrip(value);
        Assert.Equal(7, back.Secret);
        Assert.Equal("after", back.Name);
        Assert.Equal(14, back.ReadOnlyComputed);
        Point point = RoundTrip(new Point(3, 4.5));
        Assert.Equal(3, point.X);
        Assert.Equal(4.5, point.Y);
    }

    [Fact]
    public void PolymorphicMembers_CarryTheirTypeAndComeBackExact()
    {
        var drawing = new Drawing([new Circle(1), new Square(2)], 42L, "key");
        Drawing back = RoundTrip(drawing);
        Assert.Equal(drawing.Shapes, back.Shapes);
        Assert.IsType<long>(back.Anything);
        Assert.Equal(42L, back.Anything);
        Assert.Equal("key", back.Key);
        Assert.Equal(new Circle(3), RoundTrip<object>(new Circle(3)));
        Assert.Equal(new List<int> { 1 }, RoundTrip<object>(new List<int> { 1 }));
    }

    [Fact]
    public void DeclaredTypeKnown_NoTypeNameOnTheWire()
    {
        byte[] exact = Serializer.Serialize(new Circle(1));
        Assert.DoesNotContain("Circle", Encoding.UTF8.GetString(exact), StringComparison.Ordinal);
        Assert.True(exact.Length <= 10, $"{exact.Length} bytes");
        byte[] named = Serializer.Serialize<Shape>(new Circle(1));
        Assert.Contains("Circle", Encoding.UTF8.GetString(named), StringComparison.Ordinal);
    }

    [Fact]
    public void Exceptions_KeepTypeMessageStackInnerAndData()
    {
        Exception original;
        try
        {
            try
            {
                throw new FormatException("inner problem");
            }
            catch (FormatException inner)
            {
                var outer = new InvalidOperationException("outer problem", inner);
                outer.Data["order"] = 17;
                outer.Data["who"] = "ada";
                throw outer;
            }
        }
        catch (InvalidOperationException ex)
        {
            original = ex;
        }
        Exception back = RoundTrip(original);
        Assert.IsType<InvalidOperationException>(back);
        Assert.Equal("outer problem", back.Message);
        Assert.Contains(nameof(Exceptions_KeepTypeMessageStackInnerAndData), back.StackTrace, StringComparison.Ordinal);
        Assert.IsType<FormatException>(back.InnerException);
        Assert.Equal("inner problem", back.InnerException!.Message);
        Assert.Equal(17, back.Data["order"]);
        Assert.Equal("ada", back.Data["who"]);
        Assert.IsType<ArgumentNullException>(RoundTrip<object>(new ArgumentNullException("p", "missing")));
    }

    [Fact]
    public void Exception_TypeWithoutUsableConstructor_BecomesRemoteException()
    {
        Exception back = RoundTrip<Exception>(new OddException(5));
        RemoteException remote = Assert.IsType<RemoteException>(back);
        Assert.Equal(typeof(OddException).FullName, remote.RemoteTypeName);
        Assert.Equal("odd 5", remote.Message);
    }

    [Fact]
    public void Exception_FromALoadedAssemblyOffTheAllowList_BecomesRemoteException_FrameworkOnesKeepTheirType()
    {
        IPayloadSerializer strict = new PayloadSerializer(new SerializerOptions());
        Exception back = strict.Deserialize<Exception>(strict.Serialize<Exception>(new Xunit.Sdk.XunitException("from xunit")));
        RemoteException remote = Assert.IsType<RemoteException>(back); // xunit.assert is loaded here, but not allowed
        Assert.Equal(typeof(Xunit.Sdk.XunitException).FullName, remote.RemoteTypeName);
        var http = new System.Net.Http.HttpRequestException("refused"); // System.Net.Http.dll: the shared framework, not CoreLib
        Assert.IsType<System.Net.Http.HttpRequestException>(strict.Deserialize<Exception>(strict.Serialize<Exception>(http)));
    }

    public sealed class OddException(int code) : Exception("odd " + code);
}
