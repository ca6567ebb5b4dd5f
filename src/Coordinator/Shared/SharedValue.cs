using System.Runtime.CompilerServices;
using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Value</c>: one <typeparamref name="T"/> in shared memory that every process of the
/// program reads and writes in place (pass it to a Pool task or a child process). Reads and writes of up to 8 bytes
/// are atomic on their own; a read-modify-write is not: do it under <see cref="GetLock"/> (CPython's
/// <c>with v.get_lock(): v.value += 1</c>) or with the atomic <see cref="Add"/>, <see cref="Exchange"/> and
/// <see cref="CompareExchange"/>, which need no lock at all.
/// </summary>
/// <typeparam name="T">An unmanaged type: a number, a bool, a char, or a struct of them.</typeparam>
public sealed class SharedValue<T> : IProcessShared<SharedValue<T>>, IDisposable where T : unmanaged
{
    private const int SizeField = 0;
    private const int ValueField = 8;

    private readonly SharedBlock _block;
    private readonly ProcessRLock? _lock;
    private readonly bool _created;

    /// <summary>Creates the value, with a <see cref="ProcessRLock"/> beside it unless <paramref name="withLock"/> is false (CPython's <c>lock=False</c>).</summary>
    public SharedValue(T value = default, bool withLock = true)
    {
        _block = SharedBlock.Create(SharedKind.Value, ValueField + Unsafe.SizeOf<T>());
        _block.Field<int>(SizeField) = Unsafe.SizeOf<T>();
        Slot = value;
        _lock = withLock ? new ProcessRLock() : null;
        _created = true;
    }

    private SharedValue(SharedBlock block, ProcessRLock? @lock)
    {
        if (block.Field<int>(SizeField) != Unsafe.SizeOf<T>())
        {
            throw new ArgumentException($"the shared value holds {block.Field<int>(SizeField)}-byte values, not {typeof(T).Name}");
        }
        _block = block;
        _lock = @lock;
    }

    string IProcessShared.Handle => $"{_block.Path}\n{(_lock as IProcessShared)?.Handle}";

    static SharedValue<T> IProcessShared<SharedValue<T>>.Attach(string handle)
    {
        string[] parts = handle.Split('\n');
        if (parts.Length != 2)
        {
            throw new ArgumentException("not a shared value's handle", nameof(handle));
        }
        ProcessRLock? @lock = parts[1].Length == 0 ? null : AttachLock(parts[1]);
        return new SharedValue<T>(SharedBlock.Attach(parts[0], SharedKind.Value), @lock);
    }

    private ref T Slot => ref _block.Field<T>(ValueField);

    /// <summary>The value (CPython's <c>.value</c>).</summary>
    public T Value
    {
        get => Unsafe.SizeOf<T>() <= 8 ? ReadAtomic() : Locked(() => Slot);
        set
        {
            if (Unsafe.SizeOf<T>() <= 8)
            {
                WriteAtomic(value);
            }
            else
            {
                Locked(() => Slot = value);
            }
        }
    }

    /// <summary>The value in place, without a copy: one element over the shared memory.</summary>
    public Span<T> AsSpan() => _block.Elements<T>(ValueField, 1);

    /// <summary>The lock that guards a read-modify-write (CPython's <c>get_lock()</c>).</summary>
    /// <exception cref="InvalidOperationException">The value was made with <c>withLock: false</c>.</exception>
    public ProcessRLock GetLock() => _lock ?? throw new InvalidOperationException("this shared value was made with withLock: false and has no lock");

    /// <summary>Adds <paramref name="delta"/> atomically and returns the new value; for int, long, uint and ulong.</summary>
    public T Add(T delta)
    {
        ref T slot = ref Slot;
        if (typeof(T) == typeof(int))
        {
            int sum = Interlocked.Add(ref Unsafe.As<T, int>(ref slot), Unsafe.As<T, int>(ref delta));
            return Unsafe.As<int, T>(ref sum);
        }
        if (typeof(T) == typeof(long))
        {
            long sum = Interlocked.Add(ref Unsafe.As<T, long>(ref slot), Unsafe.As<T, long>(ref delta));
            return Unsafe.As<long, T>(ref sum);
        }
        if (typeof(T) == typeof(uint))
        {
            uint sum = Interlocked.Add(ref Unsafe.As<T, uint>(ref slot), Unsafe.As<T, uint>(ref delta));
            return Unsafe.As<uint, T>(ref sum);
        }
        if (typeof(T) == typeof(ulong))
        {
            ulong sum = Interlocked.Add(ref Unsafe.As<T, ulong>(ref slot), Unsafe.As<T, ulong>(ref delta));
            return Unsafe.As<ulong, T>(ref sum);
        }
        throw new NotSupportedException($"atomic Add works on int, long, uint and ulong; for {typeof(T).Name} hold GetLock() around the update");
    }

    /// <summary>Stores <paramref name="value"/> atomically and returns the value it replaced; for 4- and 8-byte types.</summary>
    public T Exchange(T value)
    {
        ref T slot = ref Slot;
        switch (Unsafe.SizeOf<T>())
        {
            case 4:
                int old4 = Interlocked.Exchange(ref Unsafe.As<T, int>(ref slot), Unsafe.As<T, int>(ref value));
                return Unsafe.As<int, T>(ref old4);
            case 8:
                long old8 = Interlocked.Exchange(ref Unsafe.As<T, long>(ref slot), Unsafe.As<T, long>(ref value));
                return Unsafe.As<long, T>(ref old8);
            default:
                throw new NotSupportedException($"atomic Exchange works on 4- and 8-byte types; for {typeof(T).Name} hold GetLock() around the update");
        }
    }

    /// <summary>Stores <paramref name="value"/> if the value is bitwise <paramref name="comparand"/>; returns the value found; for 4- and 8-byte types.</summary>
    public T CompareExchange(T value, T comparand)
    {
        ref T slot = ref Slot;
        switch (Unsafe.SizeOf<T>())
        {
            case 4:
                int old4 = Interlocked.CompareExchange(ref Unsafe.As<T, int>(ref slot), Unsafe.As<T, int>(ref value), Unsafe.As<T, int>(ref comparand));
                return Unsafe.As<int, T>(ref old4);
            case 8:
                long old8 = Interlocked.CompareExchange(ref Unsafe.As<T, long>(ref slot), Unsafe.As<T, long>(ref value), Unsafe.As<T, long>(ref comparand));
                return Unsafe.As<long, T>(ref old8);
            default:
                throw new NotSupportedException($"atomic CompareExchange works on 4- and 8-byte types; for {typeof(T).Name} hold GetLock() around the update");
        }
    }

    /// <summary>The value, as text.</summary>
    public override string ToString() => $"SharedValue<{typeof(T).Name}>({Value})";

    /// <summary>In the process that created it, removes its shared memory (and its lock's): processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        if (_created)
        {
            _block.Unlink();
            _lock?.Dispose();
        }
    }

    internal static ProcessRLock AttachLock(string handle) => ProcessShared.Attach<ProcessRLock>(handle);

    private T ReadAtomic()
    {
        ref T slot = ref Slot;
        switch (Unsafe.SizeOf<T>())
        {
            case 8:
                long bits = Volatile.Read(ref Unsafe.As<T, long>(ref slot));
                return Unsafe.As<long, T>(ref bits);
            case 4:
                int bits4 = Volatile.Read(ref Unsafe.As<T, int>(ref slot));
                return Unsafe.As<int, T>(ref bits4);
            default:
                return slot;
        }
    }

    private void WriteAtomic(T value)
    {
        ref T slot = ref Slot;
        switch (Unsafe.SizeOf<T>())
        {
            case 8:
                Volatile.Write(ref Unsafe.As<T, long>(ref slot), Unsafe.As<T, long>(ref value));
                break;
            case 4:
                Volatile.Write(ref Unsafe.As<T, int>(ref slot), Unsafe.As<T, int>(ref value));
                break;
            default:
                slot = value;
                break;
        }
    }

    private TResult Locked<TResult>(Func<TResult> read)
    {
        if (_lock is null)
        {
            return read();
        }
        using (_lock.EnterScope())
        {
            return read();
        }
    }
}
