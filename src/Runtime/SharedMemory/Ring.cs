using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// A byte ring in a shared block carrying whole messages between processes: the data path of queues and pipes on one
/// machine (a copy in, a copy out, no kernel buffer and no actor hop). Writers take turns on a writer mutex and readers
/// on a reader mutex, each held for a whole message, so a message bigger than the ring goes in fragments that nobody
/// else's interleave. Head and tail move under the block's monitor, each with one store after the bytes are copied,
/// so a process killed in the middle of a copy leaves nothing half-written visible: the next writer, told by its
/// robust mutex that the previous one died, writes an abort record that makes readers drop the fragments they hold.
/// </summary>
internal readonly unsafe struct Ring
{
    /// <summary>Bytes of bookkeeping before the ring's data.</summary>
    public const int HeaderSize = 192;

    /// <summary>The largest message accepted (a length beyond it is corruption, not data).</summary>
    public const long MaxMessage = 1L << 31;

    private const int RecordHeader = 16;
    private const int SmallCopy = 4096;
    private const int First = 1;
    private const int Last = 2;
    private const int Abort = 4;

    private readonly SharedBlock _block;
    private readonly nint _base;

    public Ring(SharedBlock block, int offset)
    {
        _block = block;
        _base = block.Data + offset;
    }

    /// <summary>The outcome of a read or write.</summary>
    public enum Outcome
    {
        Done,
        TimedOut,
        Gone,
    }

    private ref long Head => ref Unsafe.AsRef<long>((void*)_base);

    private ref long Tail => ref Unsafe.AsRef<long>((void*)(_base + 8));

    private int Capacity => Unsafe.AsRef<int>((void*)(_base + 16));

    /// <summary>Complete messages committed and not yet taken.</summary>
    public ref int Items => ref Unsafe.AsRef<int>((void*)(_base + 20));

    private ref int ReaderMidMessage => ref Unsafe.AsRef<int>((void*)(_base + 24));

    private nint WriterMutex => _base + 64;

    private nint ReaderMutex => _base + 128;

    private byte* Data => (byte*)(_base + HeaderSize);

    /// <summary>Lays out a ring of <paramref name="capacity"/> bytes (a multiple of 8) at <paramref name="offset"/> of fresh state.</summary>
    public static void Init(SharedBlock block, int offset, int capacity)
    {
        nint at = block.Data + offset;
        Unsafe.AsRef<int>((void*)(at + 16)) = capacity;
        Posix.InitMutex(at + 64, Posix.MutexNormal);
        Posix.InitMutex(at + 128, Posix.MutexNormal);
    }

    /// <summary>
    /// Writes one message. <paramref name="deadline"/> bounds the wait for the writer's turn, for room and for
    /// <paramref name="maxItems"/>; once the first fragment is in, the rest follow however long the readers take.
    /// <paramref name="gone"/>, checked while waiting (every 100 ms at most), ends the wait when nobody can read any more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public Outcome Write(ReadOnlySpan<byte> message, long deadline, int maxItems = int.MaxValue, Func<bool>? gone = null)
    {
        switch (Posix.Lock(WriterMutex, deadline))
        {
            case 0:
                break;
            case Posix.EOWNERDEAD:
                Posix.MakeConsistent(WriterMutex);
                WriteRecord([], Abort, 0, long.MaxValue, int.MaxValue, null); // the dead writer's fragments are void
                break;
            case Posix.ETIMEDOUT:
                return Outcome.TimedOut;
            case var error:
                throw new InvalidOperationException($"a queue's writer mutex failed (errno {error})");
        }
        try
        {
            int fragment = (Capacity / 2) - RecordHeader;
            int offset = 0;
            do
            {
                int length = Math.Min(fragment, message.Length - offset);
                int flags = (offset == 0 ? First : 0) | (offset + length == message.Length ? Last : 0);
                Outcome outcome = WriteRecord(message.Slice(offset, length), flags, message.Length,
                    offset == 0 ? deadline : long.MaxValue, offset == 0 ? maxItems : int.MaxValue, gone);
                if (outcome != Outcome.Done)
                {
                    if (offset > 0)
                    {
                        WriteRecord([], Abort, 0, long.MaxValue, int.MaxValue, null);
                    }
                    return outcome;
                }
                offset += length;
            }
            while (offset < message.Length);
            return Outcome.Done;
        }
        finally
        {
            Posix.Unlock(WriterMutex);
        }
    }

    /// <summary>Reads one message; null with <see cref="Outcome.TimedOut"/> or <see cref="Outcome.Gone"/> (nobody can write any more, and it is empty).</summary>
    public byte[]? Read(long deadline, out Outcome outcome, Func<bool>? gone = null) => Read(deadline, out outcome, out _, gone, null);

    /// <summary>
    /// Reads one message into <paramref name="scratch"/> when it fits (its first <paramref name="length"/> bytes; the
    /// caller decodes it before its next read), else into a new array of exactly its size.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public byte[]? Read(long deadline, out Outcome outcome, out int length, Func<bool>? gone, byte[]? scratch)
    {
        length = 0;
        bool skipping = false;
        switch (Posix.Lock(ReaderMutex, deadline))
        {
            case 0:
                break;
            case Posix.EOWNERDEAD:
                Posix.MakeConsistent(ReaderMutex);
                skipping = ReaderMidMessage != 0; // the dead reader took the start of a message: drop the rest of it
                break;
            case Posix.ETIMEDOUT:
                outcome = Outcome.TimedOut;
                return null;
            case var error:
                throw new InvalidOperationException($"a queue's reader mutex failed (errno {error})");
        }
        try
        {
            byte[]? message = null;
            int filled = 0;
            Span<byte> header = stackalloc byte[RecordHeader];
            while (true)
            {
                outcome = ReadRecord(header, message is null && !skipping ? deadline : long.MaxValue, gone, ref message, ref filled, ref skipping, scratch);
                if (outcome != Outcome.Done)
                {
                    return null;
                }
                int flags = MemoryMarshal.Read<int>(header[4..]);
                if ((flags & Abort) != 0)
                {
                    message = null;
                    filled = 0;
                    skipping = false;
                    continue;
                }
                if (!skipping && (flags & Last) != 0 && message is not null)
                {
                    length = filled;
                    return message;
                }
            }
        }
        finally
        {
            Posix.Unlock(ReaderMutex);
        }
    }

    /// <summary>Waits until a message is waiting or <paramref name="gone"/> says none can come; false on time-out.</summary>
    public bool WaitReadable(long deadline, Func<bool>? gone)
    {
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        bool readable;
        while (!(readable = Tail != Head || gone?.Invoke() == true) && Posix.Now() < deadline)
        {
            monitor.Wait(gone is null ? deadline : Math.Min(deadline, Posix.Now() + 100_000_000));
        }
        monitor.Exit();
        return readable;
    }

    /// <summary>Whether a message (or part of one) is waiting.</summary>
    public bool HasData => Volatile.Read(ref Tail) != Volatile.Read(ref Head);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Outcome WriteRecord(ReadOnlySpan<byte> bytes, int flags, long total, long deadline, int maxItems, Func<bool>? gone)
    {
        SharedMonitor monitor = _block.Monitor;
        long need = RecordHeader + Align(bytes.Length);
        monitor.Enter();
        bool waited = false; // `gone` costs a system call: asked only after a wait (a closing peer pulses)
        while (Capacity - (Tail - Head) < need || ((flags & First) != 0 && Items >= maxItems))
        {
            if (waited && gone?.Invoke() == true)
            {
                monitor.Exit();
                return Outcome.Gone;
            }
            if (Posix.Now() >= deadline)
            {
                monitor.Exit();
                return Outcome.TimedOut;
            }
            monitor.Wait(gone is null ? deadline : Math.Min(deadline, Posix.Now() + 100_000_000));
            waited = true;
        }
        long at = Tail;
        Span<byte> header = stackalloc byte[RecordHeader];
        MemoryMarshal.Write(header, bytes.Length);
        MemoryMarshal.Write(header[4..], flags);
        MemoryMarshal.Write(header[8..], total);
        if (bytes.Length > SmallCopy)
        {
            monitor.Exit(); // only this writer moves the tail, and no reader looks past it: copy without the monitor
            CopyIn(at, header);
            CopyIn(at + RecordHeader, bytes);
            monitor.Enter();
        }
        else
        {
            CopyIn(at, header);
            CopyIn(at + RecordHeader, bytes);
        }
        Volatile.Write(ref Tail, at + need);
        if ((flags & Last) != 0)
        {
            Items++;
        }
        monitor.PulseAll();
        monitor.Exit();
        return Outcome.Done;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Outcome ReadRecord(Span<byte> header, long deadline, Func<bool>? gone, ref byte[]? message, ref int filled, ref bool skipping, byte[]? scratch)
    {
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        while (Tail == Head)
        {
            if (gone?.Invoke() == true)
            {
                monitor.Exit();
                return Outcome.Gone;
            }
            if (Posix.Now() >= deadline)
            {
                monitor.Exit();
                return Outcome.TimedOut;
            }
            monitor.Wait(gone is null ? deadline : Math.Min(deadline, Posix.Now() + 100_000_000));
        }
        long at = Head;
        CopyOut(at, header);
        int length = MemoryMarshal.Read<int>(header);
        int flags = MemoryMarshal.Read<int>(header[4..]);
        long total = MemoryMarshal.Read<long>(header[8..]);
        if (length < 0 || length > Capacity - RecordHeader || total < 0 || total > MaxMessage)
        {
            monitor.Exit();
            throw new InvalidDataException("a shared queue's record is corrupt (length out of range); the queue cannot be read");
        }
        if ((flags & First) != 0)
        {
            skipping = false; // a new message starts: whatever was being dropped is behind us
            message = scratch is not null && scratch.Length >= total ? scratch : total == 0 ? [] : GC.AllocateUninitializedArray<byte>((int)total);
            filled = 0;
        }
        bool keep = message is not null && (flags & Abort) == 0 && !skipping;
        if (keep && filled + (long)length > total)
        {
            monitor.Exit();
            throw new InvalidDataException("a shared queue's record is corrupt (fragments overrun their message); the queue cannot be read");
        }
        if (keep && length > SmallCopy)
        {
            Volatile.Write(ref ReaderMidMessage, 1);
            monitor.Exit(); // only this reader moves the head, and no writer touches bytes before it: copy without the monitor
            CopyOut(at + RecordHeader, message.AsSpan(filled, length));
            monitor.Enter();
        }
        else if (keep)
        {
            CopyOut(at + RecordHeader, message.AsSpan(filled, length));
        }
        if (keep)
        {
            filled += length;
        }
        Volatile.Write(ref Head, at + RecordHeader + Align(length));
        Volatile.Write(ref ReaderMidMessage, (flags & Last) == 0 && (flags & Abort) == 0 ? 1 : 0);
        if ((flags & Last) != 0)
        {
            Items--;
        }
        monitor.PulseAll();
        monitor.Exit();
        return Outcome.Done;
    }

    private static long Align(int length) => (length + 7L) & ~7L;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CopyIn(long position, ReadOnlySpan<byte> bytes)
    {
        int index = (int)(position % Capacity);
        int first = Math.Min(bytes.Length, Capacity - index);
        bytes[..first].CopyTo(new Span<byte>(Data + index, first));
        bytes[first..].CopyTo(new Span<byte>(Data, bytes.Length - first));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CopyOut(long position, Span<byte> bytes)
    {
        int index = (int)(position % Capacity);
        int first = Math.Min(bytes.Length, Capacity - index);
        new Span<byte>(Data + index, first).CopyTo(bytes);
        new Span<byte>(Data, bytes.Length - first).CopyTo(bytes[first..]);
    }
}
