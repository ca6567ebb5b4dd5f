namespace Actors.Runtime.Serialization;

/// <summary>
/// A runtime object that crosses to another process as a handle (a lock, a queue, a shared value): the receiving side
/// attaches to the same underlying segment instead of receiving a copy. Only the runtime's own types implement it.
/// </summary>
internal interface IProcessShared
{
    /// <summary>What another process needs to attach (paths of segments, sizes).</summary>
    string Handle { get; }
}

/// <summary>The attaching side of <see cref="IProcessShared"/>.</summary>
internal interface IProcessShared<TSelf> : IProcessShared where TSelf : class, IProcessShared<TSelf>
{
    /// <summary>Attaches to the object a peer's <see cref="IProcessShared.Handle"/> names; throws IOException or ArgumentException if it cannot.</summary>
    static abstract TSelf Attach(string handle);
}

/// <summary>Attaching by type, for an object whose handle holds another's.</summary>
internal static class ProcessShared
{
    public static T Attach<T>(string handle) where T : class, IProcessShared<T> => T.Attach(handle);
}

/// <summary>Writes a cross-process object as its handle and attaches on the other side.</summary>
internal sealed class ProcessSharedCodec<T> : TypeCodec where T : class, IProcessShared<T>
{
    public override void Write(BinWriter writer, object value) => writer.WriteString(((T)value).Handle);

    public override object Read(ref BinReader reader)
    {
        string handle = reader.ReadString();
        try
        {
            return T.Attach(handle);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new PathException($"the {TypeCatalog.Display(typeof(T))} could not be attached in this process: {e.Message}");
        }
    }
}
