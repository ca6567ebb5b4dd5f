using System.Collections;
using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Actors.Runtime.Serialization;

/// <summary>
/// Exceptions keep their type name, message, stack text, inner exceptions and string-keyed data.
/// The reader rebuilds the original type when it is allowed and has a (string, Exception) or
/// (string) constructor; otherwise it returns a <see cref="RemoteException"/> with the remote type name.
/// </summary>
internal sealed class ExceptionCodec(CodecRegistry registry) : TypeCodec
{
    private static readonly Slot ObjectSlot = new(typeof(object));

    public override void Write(BinWriter writer, object value)
    {
        var exception = (Exception)value;
        Type type = exception is RemoteException remote ? typeof(RemoteException) : exception.GetType();
        TypeCatalog.WriteName(writer, type);
        writer.WriteString(exception is RemoteException r ? r.RemoteTypeName : type.FullName!);
        writer.WriteString(exception.Message);
        writer.WriteString(exception is RemoteException rs ? rs.RemoteStackTrace : exception.StackTrace ?? "");
        WriteData(writer, exception.Data);
        if (exception.InnerException is { } inner)
        {
            writer.WriteByte(1);
            try
            {
                Write(writer, inner);
            }
            catch (Exception ex)
            {
                throw PathException.At(ex, ".InnerException");
            }
        }
        else
        {
            writer.WriteByte(0);
        }
    }

    private void WriteData(BinWriter writer, IDictionary data)
    {
        // Data is best effort: entries whose key is not a string or whose value cannot be encoded are left out.
        var entries = new List<(string Key, byte[] Value)>();
        foreach (DictionaryEntry entry in data)
        {
            if (entry.Key is string key && registry.TryEncode(entry.Value, ObjectSlot) is { } bytes)
            {
                entries.Add((key, bytes));
            }
        }
        writer.WriteLength(entries.Count);
        foreach ((string key, byte[] bytes) in entries)
        {
            writer.WriteString(key);
            writer.WriteRaw(bytes);
        }
    }

    public override object Read(ref BinReader reader)
    {
        reader.Enter();
        Type? type = registry.Catalog.ReadName(ref reader, anyLoadedAssembly: true, out _);
        string typeName = reader.ReadString();
        string message = reader.ReadString();
        string stack = reader.ReadString();
        int count = reader.ReadLength(2);
        var data = new List<(string, object?)>(count);
        for (int i = 0; i < count; i++)
        {
            data.Add((reader.ReadString(), registry.ReadSlot(ref reader, ObjectSlot)));
        }
        Exception? inner = reader.ReadByte() switch
        {
            0 => null,
            1 => (Exception)Read(ref reader),
            _ => throw new PathException("an inner-exception marker is invalid (tampered?)"),
        };
        reader.Exit();
        Exception exception = Rebuild(type, typeName, message, stack, inner);
        foreach ((string key, object? value) in data)
        {
            exception.Data[key] = value;
        }
        return exception;
    }

    private static Exception Rebuild(Type? type, string typeName, string message, string stack, Exception? inner)
    {
        Exception? rebuilt = null;
        if (type is not null && typeof(Exception).IsAssignableFrom(type) && type != typeof(RemoteException) && !type.IsAbstract)
        {
            try
            {
                if (type.GetConstructor([typeof(string), typeof(Exception)]) is { } withInner)
                {
                    rebuilt = (Exception)withInner.Invoke([message, inner]);
                }
                else if (inner is null && type.GetConstructor([typeof(string)]) is { } withMessage)
                {
                    rebuilt = (Exception)withMessage.Invoke([message]);
                }
            }
            catch (TargetInvocationException)
            {
                rebuilt = null; // a constructor with rules of its own; fall back to the stand-in
            }
        }
        if (rebuilt is null || rebuilt.Message != message)
        {
            return new RemoteException(typeName, message, stack, inner);
        }
        return stack.Length > 0 ? ExceptionDispatchInfo.SetRemoteStackTrace(rebuilt, stack) : rebuilt;
    }
}
