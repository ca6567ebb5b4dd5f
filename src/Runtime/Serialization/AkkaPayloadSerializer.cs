using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Util;

namespace Actors.Runtime.Serialization;

/// <summary>Hands an actor system the allow-list its <see cref="AkkaPayloadSerializer"/> enforces.</summary>
internal sealed class PayloadSerializerSetup(SerializerOptions options) : Setup
{
    public SerializerOptions Options => options;
}

/// <summary>
/// The payload serializer bound into Akka (<c>config/actors.conf</c> binds <c>System.Object</c> to it): every
/// message without a more specific Akka binding (the product's own, and user messages) is written in the
/// payload format, its type names resolved only from the allow-list, its errors naming the member path.
/// Akka's default would be JSON with type names resolved from any loaded assembly.
/// </summary>
internal sealed class AkkaPayloadSerializer : Akka.Serialization.Serializer
{
    /// <summary>The serializer id on the wire; Akka reserves 0-100 for its own.</summary>
    public const int Id = 1731;

    public AkkaPayloadSerializer(ExtendedActorSystem system) : base(system)
    {
        Option<PayloadSerializerSetup> setup = system.Settings.Setup.Get<PayloadSerializerSetup>();
        Options = setup.HasValue ? setup.Value.Options : new SerializerOptions();
        Payload = new PayloadSerializer(Options, system);
    }

    /// <summary>The serializer itself, for product code that encodes payloads outside Akka (the lane).</summary>
    public PayloadSerializer Payload { get; }

    /// <summary>The allow-list it enforces.</summary>
    public SerializerOptions Options { get; }

    public override int Identifier => Id;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) => ((IPayloadSerializer)Payload).Serialize(obj);

    public override object FromBinary(byte[] bytes, Type type) => Payload.Deserialize(bytes, typeof(object))!;

    /// <summary>The payload serializer of an actor system started with the product's configuration.</summary>
    public static PayloadSerializer Of(Akka.Actor.ActorSystem system) => Find(system).Payload;

    /// <summary>The allow-list of an actor system started with the product's configuration.</summary>
    public static SerializerOptions OptionsOf(Akka.Actor.ActorSystem system) => Find(system).Options;

    private static AkkaPayloadSerializer Find(Akka.Actor.ActorSystem system) =>
        (AkkaPayloadSerializer)system.Serialization.FindSerializerForType(typeof(object));
}
