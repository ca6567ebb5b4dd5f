namespace Actors.Runtime.Tests.Kernel;

public sealed class ActorRefInMessageTests : SystemTest
{
    public sealed record ReplyTo(ActorRef Target, string Text);

    [Fact]
    public async Task ActorRef_InsideSerializedMessage_ArrivesAsWorkingReference()
    {
        var probe = CreateProbe();
        var message = new ReplyTo(probe.Ref, "hello");
        var back = (ReplyTo)System.Serializer.Deserialize<object>(System.Serializer.Serialize<object>(message));
        back.Target.Tell(back.Text);
        await probe.ExpectMsgAsync("hello");
    }

    [Fact]
    public void RuntimeMessages_RoundTripThroughTheirCodec()
    {
        var id = new ActorId("n", "/user/a", 3);
        IRuntimeMessage[] messages =
        [
            PoisonPill.Instance, new WatchRequest(id, id with { Uid = 4 }), new UnwatchRequest(id, id),
            new DeathWatchNotification(id, true, false), new StopRequest(id),
        ];
        foreach (IRuntimeMessage message in messages)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            Actors.Runtime.Serialization.RuntimeMessageCodec.Write(buffer, message);
            Assert.Equal(message, Actors.Runtime.Serialization.RuntimeMessageCodec.Read(buffer.WrittenSpan));
            for (int cut = 0; cut < buffer.WrittenCount; cut++)
            {
                Assert.Throws<PayloadSerializationException>(() => Actors.Runtime.Serialization.RuntimeMessageCodec.Read(buffer.WrittenSpan[..cut]));
            }
        }
        Assert.Throws<PayloadSerializationException>(() => Actors.Runtime.Serialization.RuntimeMessageCodec.Read([0x63, 0x00]));
    }
}
