using System.Runtime.CompilerServices;
using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Array</c>: a fixed-length array of <typeparamref name="T"/> in shared memory that
/// every process of the program reads and writes in place. <see cref="AsSpan"/> is the array itself, zero-copy;
/// element reads and writes of up to 8 bytes are atomic, and a read-modify-write needs <see cref="GetLock"/>.
/// </summary>
/// <typeparam name="T">An unmanaged type: a number, a bool, a char, or a struct of them.</typeparam>
public sealed class SharedArray<T> : IProcessShared<SharedArray<T>>, IDisposable where T : unmanaged
{
    private const int SizeField = 0;
    private const int LengthField = 4;
    private const int ElementsField = 8;

    private readonly SharedBlock _block;
    private readonly ProcessRLock? _lock;
    private readonly bool _created;

    /// <summary>Creates an array of <paramref name="length"/> zeroes, with a <see cref="ProcessRLock"/> unless <paramref name="withLock"/> is false.</summary>
    public SharedArray(int length, bool withLock = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length, nameof(length));
        _block = SharedBlock.Create(SharedKind.Array, ElementsField + ((long)length * Unsafe.SizeOf<T>()));
        _block.Field<int>(SizeField) = Unsafe.SizeOf<T>();
        _block.Field<int>(LengthField) = length;
        _lock = withLock ? new ProcessRLock() : null;
        _created = true;
    }

    /// <summary>Creates an array holding a copy of <paramref name="values"/>.</summary>
    public SharedArray(ReadOnlySpan<T> values, bool withLock = true) : this(values.Length, withLock) => values.CopyTo(AsSpan());

    private SharedArray(SharedBlock block, ProcessRLock? @lock)
    {
        int length = block.Field<int>(LengthField);
        if (block.Field<int>(SizeField) != Unsafe.SizeOf<T>() || length < 0 || ElementsField + ((long)length * Unsafe.SizeOf<T>()) > block.DataSize)
        {
            throw new ArgumentException($"the shared array does not hold {typeof(T).Name} elements");
        }
        _block = block;
        _lock = @lock;
    }

    string IProcessShared.Handle => $"{_block.Path}\n{(_lock as IProcessShared)?.Handle}";

    static SharedArray<T> IProcessShared<SharedArray<T>>.Attach(string handle)
    {
        string[] parts = handle.Split('\n');
        if (parts.Length != 2)
        {
            throw new ArgumentException("not a shared array's handle", nameof(handle));
        }
        ProcessRLock? @lock = parts[1].Length == 0 ? null : ProcessShared.Attach<ProcessRLock>(parts[1]);
        return new SharedArray<T>(SharedBlock.Attach(parts[0], SharedKind.Array), @lock);
    }

    /// <summary>The number of elements.</summary>
    public int Length => _block.Field<int>(LengthField);

    /// <summary>One element, read or written in place.</summary>
    /// <exception cref="IndexOutOfRangeException">Outside 0 to <see cref="Length"/> - 1.</exception>
    public T this[int index]
    {
        get => AsSpan()[index];
        set => AsSpan()[index] = value;
    }

    /// <summary>The array itself, over the shared memory: no copy.</summary>
    public Span<T> AsSpan() => _block.Elements<T>(ElementsField, Length);

    /// <summary>A copy of the elements (CPython's <c>arr[:]</c>).</summary>
    public T[] ToArray() => AsSpan().ToArray();

    /// <summary>The lock that guards a read-modify-write (CPython's <c>get_lock()</c>).</summary>
    /// <exception cref="InvalidOperationException">The array was made with <c>withLock: false</c>.</exception>
    public ProcessRLock GetLock() => _lock ?? throw new InvalidOperationException("this shared array was made with withLock: false and has no lock");

    /// <summary>In the process that created it, removes its shared memory (and its lock's): processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        if (_created)
        {
            _block.Unlink();
            _lock?.Dispose();
        }
    }
}
