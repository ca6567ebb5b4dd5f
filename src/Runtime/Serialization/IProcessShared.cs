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

/// <summary>
/// Attaching by type, and the bookkeeping of objects handed to a child process. While a child's bootstrap is encoded,
/// the objects written are collected instead of counting themselves as "in flight", so that the parent can reserve
/// them for the child's pid once it is known (a pipe end then stays open exactly while that child may still take it:
/// until it does, or dies). While the child decodes its bootstrap, attaching claims that reservation.
/// </summary>
internal static class ProcessShared
{
    [ThreadStatic]
    private static List<IProcessShared>? _collected;

    [ThreadStatic]
    private static bool _claiming;

    public static T Attach<T>(string handle) where T : class, IProcessShared<T> => T.Attach(handle);

    /// <summary>Starts collecting the objects this thread encodes (a child's bootstrap).</summary>
    public static void BeginCollecting() => _collected = [];

    /// <summary>Stops collecting and returns what was encoded.</summary>
    public static List<IProcessShared> EndCollecting()
    {
        List<IProcessShared> collected = _collected ?? [];
        _collected = null;
        return collected;
    }

    /// <summary>Records an object being encoded for a child; false if this thread is not encoding a child's bootstrap.</summary>
    public static bool TryCollect(IProcessShared item)
    {
        if (_collected is null)
        {
            return false;
        }
        _collected.Add(item);
        return true;
    }

    /// <summary>Whether this thread is decoding its own bootstrap (in a child process).</summary>
    public static bool Claiming
    {
        get => _claiming;
        set => _claiming = value;
    }
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
