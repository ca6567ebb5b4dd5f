using Akka.Actor;

namespace Actors.Runtime.Serialization;

/// <summary>
/// An Akka actor reference travels as its serialized path (with this node's address when it is local)
/// and arrives as a working reference resolved by the receiving actor system's provider.
/// </summary>
internal sealed class AkkaActorRefCodec(ExtendedActorSystem? system) : TypeCodec
{
    public override void Write(BinWriter writer, object value) =>
        writer.WriteString(Akka.Serialization.Serialization.SerializedActorPath((IActorRef)value));

    public override object Read(ref BinReader reader)
    {
        string path = reader.ReadString();
        return system?.Provider.ResolveActorRef(path) ?? throw new PathException(
            "an actor reference can only be decoded inside an actor system (its Akka serializer)");
    }
}
