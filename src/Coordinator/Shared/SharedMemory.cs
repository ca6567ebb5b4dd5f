using System.Runtime.InteropServices;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.shared_memory.SharedMemory</c>: a block of bytes, named, that any process can attach
/// to by name and use in place (<see cref="AsSpan()"/>, typed views with <see cref="AsSpan{T}"/>). It is a file in
/// <c>/dev/shm</c>, as CPython's is, so the two can share one. <see cref="Close"/> ends this process's view;
/// <see cref="Unlink"/> removes the block (the creator does it once). A block nobody unlinked is removed when the
/// program ends, even if the process that made it crashed, and even if the program was killed (CPython leaks it).
/// Passed to a Pool task or a child process, it arrives attached.
/// </summary>
public sealed class SharedMemory : IProcessShared<SharedMemory>, IDisposable
{
    private const int MaxNameLength = 200;

    private readonly Segment _segment;

    private SharedMemory(string name, Segment segment)
    {
        Name = name;
        _segment = segment;
    }

    /// <summary>The name other processes attach with.</summary>
    public string Name { get; }

    /// <summary>The size in bytes.</summary>
    public long Size => _segment.Size;

    /// <summary>The bytes, as <see cref="Memory{T}"/> (for async code).</summary>
    public Memory<byte> Memory => new SegmentMemory(_segment).Memory;

    string IProcessShared.Handle => Name;

    static SharedMemory IProcessShared<SharedMemory>.Attach(string handle) => Attach(handle);

    /// <summary>Creates a block of <paramref name="size"/> zero bytes, named <paramref name="name"/> or given a fresh name.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is zero or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or holds '/'.</exception>
    /// <exception cref="IOException">A block of that name exists (CPython's FileExistsError).</exception>
    public static SharedMemory Create(long size, string? name = null)
    {
        if (size < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "'size' must be a positive integer");
        }
        if (size == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "'size' must be a positive number different from zero");
        }
        if (name is not null)
        {
            return Created(name, size);
        }
        while (true)
        {
            // 48 random bits as CPython's (secrets.token_hex); Guid.NewGuid draws them from the kernel's secure source
            // without loading OpenSSL, which RandomNumberGenerator does (4 MB mapped and milliseconds, in every process).
            string fresh = "psm_" + Guid.NewGuid().ToString("N")[..12];
            try
            {
                return Created(fresh, size);
            }
            catch (IOException) when (File.Exists(PathOf(fresh)))
            {
                // taken: draw again, as CPython does
            }
        }
    }

    /// <summary>Attaches to the block named <paramref name="name"/>.</summary>
    /// <exception cref="FileNotFoundException">No block of that name (CPython's FileNotFoundError).</exception>
    public static SharedMemory Attach(string name)
    {
        string path = PathOf(name);
        try
        {
            return new SharedMemory(name, Segment.Attach(path));
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"No such file or directory: '{name}': no shared memory block of that name (never created, or unlinked)", path, e);
        }
    }

    /// <summary>The bytes, in place.</summary>
    /// <exception cref="ObjectDisposedException">It was closed in this process.</exception>
    public Span<byte> AsSpan() => _segment.Bytes(0, checked((int)Size));

    /// <summary><paramref name="length"/> bytes from <paramref name="offset"/>, in place.</summary>
    public Span<byte> AsSpan(long offset, int length) => _segment.Bytes(offset, length);

    /// <summary>The block as elements of <typeparamref name="T"/> (as many as fit), in place: CPython's <c>np.ndarray(buffer=shm.buf)</c>.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged => MemoryMarshal.Cast<byte, T>(AsSpan());

    /// <summary>Ends this process's view of the block (CPython's <c>close()</c>); the block stays for the others.</summary>
    public void Close() => _segment.Dispose();

    /// <summary>Removes the block: no process can attach to it any more; views already open stay valid.</summary>
    /// <exception cref="FileNotFoundException">It was removed already.</exception>
    public void Unlink()
    {
        Segment.Unlink(_segment.Path);
        Session.ForgetNamed(_segment.Path);
    }

    /// <summary>The same as <see cref="Close"/>: the block itself stays until <see cref="Unlink"/> or the program ends.</summary>
    public void Dispose() => Close();

    /// <summary>Its name and size.</summary>
    public override string ToString() => $"SharedMemory('{Name}', size={Size})";

    private static SharedMemory Created(string name, long size)
    {
        string path = PathOf(name);
        Segment segment;
        try
        {
            segment = Segment.Create(path, size);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new IOException($"File exists: '{name}': a shared memory block of that name exists; attach to it with SharedMemory.Attach, or choose another name", e);
        }
        Session.TrackNamed(path);
        return new SharedMemory(name, segment);
    }

    private static string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string bare = name.TrimStart('/'); // CPython accepts "/name" on POSIX
        if (bare.Length == 0 || bare.Length > MaxNameLength || bare.Contains('/', StringComparison.Ordinal) || bare.Contains('\0', StringComparison.Ordinal) || bare is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a valid shared memory name: 1 to {MaxNameLength} characters, no '/'", nameof(name));
        }
        return Path.Combine(Session.Root, bare);
    }
}
