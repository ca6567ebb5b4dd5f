using System.IO.MemoryMappedFiles;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// One file on tmpfs mapped into this process: the memory behind every cross-process object. Creating never
/// overwrites (an existing name is an error); attaching never creates. The mapping lasts until <see cref="Dispose"/>
/// or finalization; removing the file (<see cref="Unlink()"/>) does not end any process's mapping.
/// </summary>
internal sealed unsafe class Segment : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private Segment(string path, FileStream stream, long size)
    {
        Path = path;
        Size = size;
        _file = MemoryMappedFile.CreateFromFile(stream, null, size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        _view = _file.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
        // No AcquirePointer: its count would keep the view mapped forever; the view lives exactly as long as this object.
        _pointer = (byte*)_view.SafeMemoryMappedViewHandle.DangerousGetHandle() + _view.PointerOffset;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Its size in bytes.</summary>
    public long Size { get; }

    /// <summary>The first byte of the mapping.</summary>
    public nint Address => _pointer is null ? throw new ObjectDisposedException(Path, "the shared segment was closed in this process") : (nint)_pointer;

    /// <summary>Creates the file with <paramref name="size"/> zero bytes, readable and writable by this user only.</summary>
    /// <exception cref="IOException">A file of that name exists.</exception>
    public static Segment Create(string path, long size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1, nameof(size));
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("cross-process objects need Linux shared memory (/dev/shm)");
        }
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite | FileShare.Delete, UnixCreateMode = OwnerOnly,
        });
        try
        {
            stream.SetLength(size);
            return new Segment(path, stream, size);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Maps an existing file whole.</summary>
    /// <exception cref="FileNotFoundException">No file of that name.</exception>
    public static Segment Attach(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            long size = stream.Length;
            if (size == 0)
            {
                throw new IOException($"the shared segment '{path}' is empty (its creator died while making it?)");
            }
            return new Segment(path, stream, size);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>A span over <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public Span<byte> Bytes(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, Size, nameof(length));
        return new Span<byte>((byte*)Address + offset, length);
    }

    /// <summary>A span of <paramref name="count"/> elements at <paramref name="offset"/>.</summary>
    public Span<T> Elements<T>(long offset, int count) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + ((long)count * sizeof(T)), Size, nameof(count));
        return new Span<T>((byte*)Address + offset, count);
    }

    /// <summary>A reference to one <typeparamref name="T"/> at <paramref name="offset"/> (for Interlocked and Volatile).</summary>
    public ref T At<T>(long offset) where T : unmanaged => ref *(T*)((byte*)Address + offset);

    /// <summary>Removes the file; mappings stay valid.</summary>
    /// <exception cref="FileNotFoundException">It was removed already.</exception>
    public void Unlink() => Unlink(Path);

    /// <summary>Attaches to an internal segment once per process: every object decoded from a handle to it shares one mapping.</summary>
    public static Segment AttachShared(string path)
    {
        lock (Attached)
        {
            if (Attached.TryGetValue(path, out WeakReference<Segment>? known) && known.TryGetTarget(out Segment? segment))
            {
                return segment;
            }
            segment = Attach(path);
            Attached[path] = new WeakReference<Segment>(segment);
            return segment;
        }
    }

    // Process-wide by nature: one mapping per segment and process, dropped when no object uses it.
    private static readonly Dictionary<string, WeakReference<Segment>> Attached = new(StringComparer.Ordinal);

    public static void Unlink(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no shared segment '{path}': it was never created or was unlinked already", path);
        }
        File.Delete(path);
    }

    public void Dispose()
    {
        if (_pointer is not null)
        {
            _pointer = null;
            _view.Dispose();
            _file.Dispose();
        }
    }
}
