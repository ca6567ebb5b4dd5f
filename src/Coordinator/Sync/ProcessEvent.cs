using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Event</c>: a flag shared by every process of the program. <see cref="Set"/> wakes every
/// waiter; <see cref="Wait(TimeSpan)"/> returns at once while the flag is set.
/// </summary>
public sealed class ProcessEvent : IProcessShared<ProcessEvent>, IDisposable
{
    private readonly SharedBlock _block;
    private readonly bool _created;

    /// <summary>Creates an event whose flag is clear.</summary>
    public ProcessEvent()
    {
        _block = SharedBlock.Create(SharedKind.Event, 8);
        _created = true;
    }

    private ProcessEvent(string handle) => _block = SharedBlock.Attach(handle, SharedKind.Event);

    string IProcessShared.Handle => _block.Path;

    static ProcessEvent IProcessShared<ProcessEvent>.Attach(string handle) => new(handle);

    private ref int Flag => ref _block.Field<int>(0);

    /// <summary>Whether the flag is set.</summary>
    public bool IsSet() => Volatile.Read(ref Flag) != 0;

    /// <summary>Sets the flag and wakes every waiter in every process.</summary>
    public void Set()
    {
        _block.Monitor.Enter();
        Volatile.Write(ref Flag, 1);
        _block.Monitor.PulseAll();
        _block.Monitor.Exit();
    }

    /// <summary>Clears the flag.</summary>
    public void Clear()
    {
        _block.Monitor.Enter();
        Volatile.Write(ref Flag, 0);
        _block.Monitor.Exit();
    }

    /// <summary>Waits as long as it takes for the flag to be set.</summary>
    public void Wait() => Wait(Timeout.InfiniteTimeSpan);

    /// <summary>Waits at most <paramref name="timeout"/> for the flag; returns the flag (false on time-out; the wait is never shorter).</summary>
    public bool Wait(TimeSpan timeout)
    {
        long deadline = Posix.Deadline(timeout);
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        while (Flag == 0 && Posix.Now() < deadline)
        {
            monitor.Wait(deadline);
        }
        bool set = Flag != 0;
        monitor.Exit();
        return set;
    }

    /// <summary>In the process that created it, removes its shared memory: processes already using it keep working, later ones cannot attach.</summary>
    public void Dispose()
    {
        if (_created)
        {
            _block.Unlink();
        }
    }
}
