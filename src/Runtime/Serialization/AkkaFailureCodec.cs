using Akka.Actor;

namespace Actors.Runtime.Serialization;

/// <summary>
/// Akka's <see cref="Status.Failure"/> (how an actor answers an ask with an error) in the payload format: its
/// cause goes through the exception codec, so its type name resolves only from the allow-list and the shared
/// framework. Akka's own serializer for it would resolve the name from any loaded assembly.
/// </summary>
internal sealed class AkkaFailureCodec(CodecRegistry registry) : TypeCodec
{
    private readonly Slot _cause = new(typeof(Exception));
    private readonly Slot _state = new(typeof(object));

    public override void Write(BinWriter writer, object value)
    {
        var failure = (Status.Failure)value;
        registry.WriteSlot(writer, failure.Cause, _cause);
        registry.WriteSlot(writer, failure.State, _state);
    }

    public override object Read(ref BinReader reader)
    {
        var cause = (Exception?)registry.ReadSlot(ref reader, _cause);
        return new Status.Failure(cause, registry.ReadSlot(ref reader, _state));
    }
}
