using System.Buffers;

namespace Actors;

/// <summary>
/// Encodes and decodes user payloads: task arguments and results, queue items, actor messages.
/// Implementations must be thread-safe. <see cref="PayloadSerializer"/> is the default.
/// </summary>
public interface IPayloadSerializer
{
    /// <summary>Writes <paramref name="value"/> as a <paramref name="declaredType"/>. The type's name is written
    /// only when the value's runtime type differs from the declared one.</summary>
    /// <exception cref="PayloadSerializationException">The value, or a member of it, cannot be serialized; the message names the member path.</exception>
    void Serialize(IBufferWriter<byte> output, object? value, Type declaredType);

    /// <summary>Reads a value written by <see cref="Serialize"/> with the same declared type.</summary>
    /// <exception cref="PayloadSerializationException">The bytes are cut short, tampered with, or name a type outside the allow-list.</exception>
    object? Deserialize(ReadOnlySpan<byte> payload, Type declaredType);

    /// <summary>Encodes <paramref name="value"/> into a new array.</summary>
    byte[] Serialize<T>(T value)
    {
        var output = new ArrayBufferWriter<byte>();
        Serialize(output, value, typeof(T));
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a <typeparamref name="T"/>.</summary>
    T Deserialize<T>(ReadOnlySpan<byte> payload) => (T)Deserialize(payload, typeof(T))!;
}
