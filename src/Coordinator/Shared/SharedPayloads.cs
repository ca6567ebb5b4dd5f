using System.Runtime.CompilerServices;
using System.Buffers;
using System.Collections.Concurrent;
using Actors.Runtime.Serialization;
using Actors.Runtime.Hosting;
using Actors.Runtime.Tasks;

namespace Actors.Coordination.Sync;

/// <summary>
/// Encodes what queues and pipes carry, with one serializer per process (process-wide by nature, like the types it
/// has been told to trust). The app's types are trusted as its code names them: the item type a queue or a
/// <c>Recv&lt;T&gt;</c> declares, and the type of each value put or sent.
/// </summary>
internal static class SharedPayloads
{
    private static readonly PayloadSerializer Serializer = new();
    private static readonly ConcurrentDictionary<Type, bool> Named = new();

    /// <summary>Trusts the app assemblies <paramref name="type"/> and its fields name (once per type).</summary>
    public static void Trust(Type type)
    {
        if (Named.TryAdd(type, true))
        {
            Serializer.Trust(CallAssemblies.Named([type]));
        }
    }

    // Per thread by nature: each thread encodes into a buffer of its own, reused from one put to the next.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    /// <summary>
    /// The value's bytes, valid until this thread's next encode (they are copied into the ring before that); throws
    /// <see cref="PayloadSerializationException"/> naming what cannot travel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> Encode(object? value, Type declared)
    {
        if (value is not null)
        {
            Trust(value.GetType());
        }
        ArrayBufferWriter<byte> buffer = _buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        Serializer.Serialize(buffer, value, declared);
        if (buffer.Capacity > 1 << 20)
        {
            _buffer = null; // do not keep a big item's buffer for the thread's lifetime
        }
        return buffer.WrittenSpan;
    }

    [ThreadStatic]
    private static byte[]? _scratch;

    /// <summary>This thread's buffer for a message read to be decoded at once (small items never allocate one of their own).</summary>
    public static byte[] Scratch => _scratch ??= new byte[16 << 10];

    /// <summary>Decodes with the trust this process has: the types its code named, and the app assemblies its parent named to it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static object? Decode(ReadOnlySpan<byte> payload, Type declared)
    {
        if (AppAssemblies.Version != _told)
        {
            _told = AppAssemblies.Version;
            Serializer.Trust(AppAssemblies.Trusted);
        }
        return Serializer.Deserialize(payload, declared);
    }

    private static int _told;
}
