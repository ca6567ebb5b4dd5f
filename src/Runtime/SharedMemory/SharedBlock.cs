using System.Runtime.CompilerServices;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// One cross-process object's memory: a header (magic and kind, so a handle to the wrong kind of object is refused),
/// a <see cref="SharedMonitor"/> guarding the object's state, and the state itself. Lives in the session directory.
/// </summary>
internal sealed unsafe class SharedBlock
{
    private const uint Magic = 0x52544341; // "ACTR"
    private const int HeaderSize = 64;
    private const int DataOffset = HeaderSize + SharedMonitor.Size;

    private SharedBlock(Segment segment, int kind)
    {
        Segment = segment;
        Kind = kind;
        Monitor = new SharedMonitor(segment.Address + HeaderSize);
    }

    /// <summary>The mapping (kept alive by this object).</summary>
    public Segment Segment { get; }

    /// <summary>What the object is (a lock, a queue...), as its type numbers it.</summary>
    public int Kind { get; }

    /// <summary>The monitor that guards the object's state.</summary>
    public SharedMonitor Monitor { get; }

    /// <summary>The handle other processes attach with.</summary>
    public string Path => Segment.Path;

    /// <summary>The first byte of the object's state.</summary>
    public nint Data => Segment.Address + DataOffset;

    /// <summary>Bytes of state.</summary>
    public long DataSize => Segment.Size - DataOffset;

    /// <summary>Makes a block with <paramref name="dataSize"/> zeroed bytes of state and a monitor of <paramref name="mutexType"/>.</summary>
    public static SharedBlock Create(int kind, long dataSize, int mutexType = Posix.MutexNormal)
    {
        Segment segment = Segment.Create(Session.NewPath("k" + kind.ToString(System.Globalization.CultureInfo.InvariantCulture)), DataOffset + dataSize);
        SharedMonitor.Init(segment.Address + HeaderSize, mutexType);
        Unsafe.AsRef<int>((void*)(segment.Address + 4)) = kind;
        Volatile.Write(ref Unsafe.AsRef<uint>((void*)segment.Address), Magic);
        return new SharedBlock(segment, kind);
    }

    /// <summary>Attaches to a block made by <see cref="Create"/> in any process of this tree.</summary>
    /// <exception cref="ArgumentException">The handle is not a block of this session's kind <paramref name="kind"/>.</exception>
    /// <exception cref="FileNotFoundException">The object was disposed by its creator, or its session ended.</exception>
    public static SharedBlock Attach(string path, int kind)
    {
        if (!Session.IsInternalPath(path))
        {
            throw new ArgumentException($"'{path}' is not a handle of a cross-process object", nameof(path));
        }
        Segment segment;
        try
        {
            segment = Segment.AttachShared(path);
        }
        catch (FileNotFoundException)
        {
            throw new FileNotFoundException($"the object's shared memory '{path}' is gone: its creator disposed it, or the program that made it ended", path);
        }
        if (segment.Size < DataOffset || Volatile.Read(ref Unsafe.AsRef<uint>((void*)segment.Address)) != Magic
            || Unsafe.AsRef<int>((void*)(segment.Address + 4)) != kind)
        {
            throw new ArgumentException($"'{path}' holds a different kind of object", nameof(path));
        }
        return new SharedBlock(segment, kind);
    }

    /// <summary>A field of the state at <paramref name="offset"/>.</summary>
    public ref T Field<T>(int offset) where T : unmanaged => ref Unsafe.AsRef<T>((void*)(Data + offset));

    /// <summary>A span of <paramref name="count"/> elements of the state from <paramref name="offset"/>, over the shared memory itself.</summary>
    public Span<T> Elements<T>(int offset, int count) where T : unmanaged => Segment.Elements<T>(DataOffset + offset, count);

    /// <summary>Removes the file (the creator's dispose); processes already attached keep working.</summary>
    public void Unlink()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // the session is being removed
        }
    }
}
