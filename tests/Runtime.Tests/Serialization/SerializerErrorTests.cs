using System.Buffers;
using System.Text;
using Actors.Runtime.Serialization;
using static Actors.Runtime.Tests.Serialization.SerializerRoundTripTests;

namespace Actors.Runtime.Tests.Serialization;

public sealed class SerializerErrorTests
{
    public sealed record Customer(string Name, Stream? Photo);

    public sealed record LineItem(int Quantity, Customer? Customer);

    public sealed record Invoice(List<LineItem> Lines);

    public sealed record WithCallback(Func<int>? Callback);

    public sealed record WithPointer(IntPtr Handle);

    public sealed record Holder(object Value);

    private static PayloadSerializationException Refused<T>(T value) =>
        Assert.Throws<PayloadSerializationException>(() => Serializer.Serialize(value));

    [Fact]
    public void Stream_Deep_InGraph_NamesTypeAndMemberPath()
    {
        var invoice = new Invoice([new(1, null), new(2, new Customer("a", null)), new(3, null), new(4, new Customer("b", new MemoryStream()))]);
        var ex = Refused(invoice);
        Assert.StartsWith("Invoice.Lines[3].Customer.Photo: type MemoryStream cannot be serialized", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte[]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Delegate_IsRefusedWithReason_ButNullDelegateIsFine()
    {
        var ex = Refused(new WithCallback(() => 1));
        Assert.StartsWith("WithCallback.Callback: type Func<Int32> cannot be serialized: a delegate", ex.Message, StringComparison.Ordinal);
        Assert.Null(RoundTrip(new WithCallback(null)).Callback);
    }

    [Fact]
    public void Pointer_IsRefused() =>
        Assert.Contains("pointer", Refused(new WithPointer(new IntPtr(5))).Message, StringComparison.Ordinal);

    [Fact]
    public void TaskAndCancellationToken_AreRefused()
    {
        Assert.Contains("tied to this process", Refused(new Holder(Task.CompletedTask)).Message, StringComparison.Ordinal);
        Assert.Contains("tied to this process", Refused<object>(CancellationToken.None).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CyclicGraph_IsRefusedWithPath()
    {
        var a = new Node { Value = 1 };
        a.Next = new Node { Value = 2, Next = a };
        var ex = Refused(a);
        Assert.StartsWith("Node.Next.Next: the object graph is cyclic", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooDeepGraph_IsRefused()
    {
        var head = new Node();
        Node tail = head;
        for (int i = 0; i < 100; i++)
        {
            tail = tail.Next = new Node { Value = i };
        }
        Assert.Contains("deeper than 64", Refused(head).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeOutsideAllowList_RefusedOnWrite() =>
        Assert.Contains("allow-list", Refused<object>(new System.Text.StringBuilder("x")).Message, StringComparison.Ordinal);

    [Fact]
    public void TypeOutsideAllowList_NamedByPeer_RefusedOnRead()
    {
        // A hostile peer names a type the allow-list does not hold, in a slot declared as object.
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new BinWriter(buffer, 8);
        writer.WriteByte(0xA1);
        writer.WriteByte(2);
        TypeCatalog.WriteName(writer, typeof(System.Diagnostics.Process));
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<object>(buffer.WrittenSpan));
        Assert.Contains("System.Diagnostics.Process", ex.Message, StringComparison.Ordinal);

        var safeAssembly = new ArrayBufferWriter<byte>();
        writer = new BinWriter(safeAssembly, 8);
        writer.WriteByte(0xA1);
        writer.WriteByte(2);
        TypeCatalog.WriteName(writer, typeof(FileInfo)); // in the base library's core assembly, but not a safe type
        ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<object>(safeAssembly.WrittenSpan));
        Assert.Contains("allow-list", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedTypeNotAssignableToDeclared_Refused()
    {
        byte[] bytes = Serializer.Serialize<object>("text");
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<Shape>(bytes));
        Assert.Contains("where a Shape is expected", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncation_FailsWithPayloadSerializationException()
    {
        var order = new Order(Guid.NewGuid(), "ada", [new Line("tea", 2, 3.5m)], new() { ["x"] = 1 }, DateTimeOffset.UnixEpoch, Color.Red, 5);
        byte[] bytes = Serializer.Serialize(order);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<Order>(bytes.AsSpan(0, cut)));
        }
    }

    [Fact]
    public void TrailingBytes_AreRefused()
    {
        byte[] bytes = [.. Serializer.Serialize(5), 0];
        Assert.Contains("follow the value", Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<int>(bytes)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeLengthField_RefusedBeforeAllocating()
    {
        byte[] bytes = [0xA1, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07]; // an int[] that claims 2^31-1 elements
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<int[]>(bytes));
        Assert.Contains("only 0 bytes are left", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BoolArray_WithAByteThatIsNeither0Nor1_IsRefused_NamingTheElement()
    {
        byte[] bytes = Serializer.Serialize(new[] { true, false, true });
        Assert.Equal([1, 0, 1], bytes[^3..]); // the block ends with the three elements
        bytes[^2] = 7;
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<bool[]>(bytes));
        Assert.Contains("[1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a bool is encoded as 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TamperedBytes_NeverThrowAnythingButPayloadSerializationException()
    {
        var order = new Drawing([new Circle(1), new Square(2)], new Line("x", 1, 2m), "k");
        byte[] original = Serializer.Serialize(order);
        var random = new Random(1234);
        for (int round = 0; round < 5000; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            try
            {
                Serializer.Deserialize<Drawing>(bytes);
            }
            catch (PayloadSerializationException)
            {
            }
        }
    }

    [Fact]
    public void NotAPayload_SaysSo()
    {
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<int>(Encoding.UTF8.GetBytes("hello")));
        Assert.Contains("format version", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActorRef_RoundTripsInsideAnActorSystem_AndWithoutOneSaysWhatToUse()
    {
        using var system = Akka.Actor.ActorSystem.Create("serializer-test");
        IPayloadSerializer inside = new PayloadSerializer(new SerializerOptions(), (Akka.Actor.ExtendedActorSystem)system);
        Akka.Actor.IActorRef actor = system.ActorOf(Akka.Actor.Props.Empty, "target");
        byte[] bytes = inside.Serialize<object>(actor);
        Assert.Equal(actor, inside.Deserialize<object>(bytes));
        var ex = Assert.Throws<PayloadSerializationException>(() => Serializer.Deserialize<object>(bytes));
        Assert.Contains("inside an actor system", ex.Message, StringComparison.Ordinal);
        await system.Terminate();
    }
}
