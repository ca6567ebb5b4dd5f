using System.Buffers;

namespace Actors.Runtime.Serialization;

/// <summary>
/// The hand-written codec of the runtime's own messages: a little-endian <see cref="RuntimeMessageId"/>
/// followed by the fields in declaration order. No reflection and no type names: ids are the contract.
/// </summary>
internal static class RuntimeMessageCodec
{
    private const int MaxDepth = 4;

    public static void Write(IBufferWriter<byte> output, IRuntimeMessage message)
    {
        var writer = new BinWriter(output, MaxDepth);
        writer.Write((ushort)message.TypeId);
        switch (message)
        {
            case PoisonPill:
                break;
            case WatchRequest watch:
                WriteId(writer, watch.Watchee);
                WriteId(writer, watch.Watcher);
                break;
            case UnwatchRequest unwatch:
                WriteId(writer, unwatch.Watchee);
                WriteId(writer, unwatch.Watcher);
                break;
            case DeathWatchNotification death:
                WriteId(writer, death.Actor);
                writer.WriteByte((byte)((death.ExistenceConfirmed ? 1 : 0) | (death.NodeLost ? 2 : 0)));
                break;
            case StopRequest stop:
                WriteId(writer, stop.Actor);
                break;
            default:
                throw new ArgumentException($"{message.GetType().Name} has no runtime codec; add a case for id {message.TypeId}.", nameof(message));
        }
    }

    /// <exception cref="PayloadSerializationException">Unknown id, cut short, or trailing bytes.</exception>
    public static IRuntimeMessage Read(ReadOnlySpan<byte> payload)
    {
        var reader = new BinReader(payload, MaxDepth);
        try
        {
            var id = (RuntimeMessageId)reader.Read<ushort>();
            IRuntimeMessage message = id switch
            {
                RuntimeMessageId.PoisonPill => PoisonPill.Instance,
                RuntimeMessageId.Watch => new WatchRequest(ReadId(ref reader), ReadId(ref reader)),
                RuntimeMessageId.Unwatch => new UnwatchRequest(ReadId(ref reader), ReadId(ref reader)),
                RuntimeMessageId.DeathWatchNotification => ReadDeath(ref reader),
                RuntimeMessageId.Stop => new StopRequest(ReadId(ref reader)),
                _ => throw new PathException($"runtime message id {(ushort)id} is unknown (a newer peer, or tampered)"),
            };
            if (reader.Remaining != 0)
            {
                throw new PathException($"{reader.Remaining} bytes follow a {id} message (tampered?)");
            }
            return message;
        }
        catch (PathException ex)
        {
            throw new PayloadSerializationException($"Cannot decode a runtime message: {ex.Message}", ex);
        }
    }

    private static DeathWatchNotification ReadDeath(ref BinReader reader)
    {
        ActorId actor = ReadId(ref reader);
        byte flags = reader.ReadByte();
        return flags > 3 ? throw new PathException($"death-watch flags {flags} are invalid") : new DeathWatchNotification(actor, (flags & 1) != 0, (flags & 2) != 0);
    }

    internal static void WriteId(BinWriter writer, ActorId id)
    {
        writer.WriteString(id.Node);
        writer.WriteString(id.Path);
        writer.Write(id.Uid);
    }

    internal static ActorId ReadId(ref BinReader reader) => new(reader.ReadString(), reader.ReadString(), reader.Read<long>());
}
