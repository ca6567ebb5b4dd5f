namespace Actors.Runtime.Serialization;

/// <summary>An actor reference travels as its id and arrives as a working reference resolved by the receiving system.</summary>
internal sealed class ActorRefCodec(ActorSystem? system) : TypeCodec
{
    public override void Write(BinWriter writer, object value)
    {
        RuntimeMessageCodec.WriteId(writer, ((ActorRef)value).Id);
    }

    public override object Read(ref BinReader reader)
    {
        ActorId id = RuntimeMessageCodec.ReadId(ref reader);
        return system?.Resolve(id) ?? throw new PathException(
            "an actor reference can only be decoded by an actor system's serializer (ActorSystem.Serializer)");
    }
}
