using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Barrier</c>: <see cref="Parties"/> threads (in any processes) each call
/// <see cref="Wait()"/>, and all are released when the last one arrives. A wait that times out, or an
/// <see cref="Abort"/>, breaks the barrier: every waiter then gets <see cref="BrokenBarrierException"/> until
/// <see cref="Reset"/>. The state machine is CPython's <c>threading.Barrier</c>'s (filling, draining, resetting,
/// broken). CPython's <c>action</c> callable is not offered: run it in the party whose <c>Wait</c> returns 0.
/// </summary>
public sealed class ProcessBarrier : IProcessShared<ProcessBarrier>, IDisposable
{
    private const int Filling = 0;
    private const int Draining = 1;
    private const int Resetting = -1;
    private const int BrokenState = -2;

    private const int StateField = 0;
    private const int CountField = 4;
    private const int PartiesField = 8;
    private const int TimeoutField = 16; // ticks; -1: none

    private readonly SharedBlock _block;
    private readonly bool _created;

    /// <summary>Creates a barrier for <paramref name="parties"/> parties, with a default timeout for every wait.</summary>
    public ProcessBarrier(int parties, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parties, 1, nameof(parties));
        if (timeout is { } t && t != Timeout.InfiniteTimeSpan)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(t, TimeSpan.Zero, nameof(timeout));
        }
        _block = SharedBlock.Create(SharedKind.Barrier, 24);
        _block.Field<int>(PartiesField) = parties;
        _block.Field<long>(TimeoutField) = timeout is { } some && some != Timeout.InfiniteTimeSpan ? some.Ticks : -1;
        _created = true;
    }

    private ProcessBarrier(string handle) => _block = SharedBlock.Attach(handle, SharedKind.Barrier);

    string IProcessShared.Handle => _block.Path;

    static ProcessBarrier IProcessShared<ProcessBarrier>.Attach(string handle) => new(handle);

    /// <summary>How many parties it waits for.</summary>
    public int Parties => _block.Field<int>(PartiesField);

    /// <summary>How many parties are waiting now.</summary>
    public int NWaiting => Volatile.Read(ref State) == Filling ? Volatile.Read(ref Count) : 0;

    /// <summary>Whether it is broken.</summary>
    public bool Broken => Volatile.Read(ref State) == BrokenState;

    private ref int State => ref _block.Field<int>(StateField);

    private ref int Count => ref _block.Field<int>(CountField);

    /// <summary>Waits, with the barrier's default timeout, for every party to arrive; returns this party's arrival index (0 to parties - 1).</summary>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken.</exception>
    public int Wait() => Wait(_block.Field<long>(TimeoutField) is var ticks && ticks >= 0 ? TimeSpan.FromTicks(ticks) : Timeout.InfiniteTimeSpan);

    /// <summary>As <see cref="Wait()"/>, giving up (and breaking the barrier) after <paramref name="timeout"/>.</summary>
    /// <exception cref="BrokenBarrierException">The barrier is or became broken, by this wait's time-out among others.</exception>
    public int Wait(TimeSpan timeout)
    {
        long deadline = Posix.Deadline(timeout);
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        try
        {
            while (State is Draining or Resetting)
            {
                monitor.Wait(long.MaxValue); // a previous round is still leaving
            }
            if (State == BrokenState)
            {
                throw new BrokenBarrierException("the barrier is broken (aborted, or a party's wait timed out); Reset() it to use it again");
            }
            int index = Count++;
            try
            {
                if (index + 1 == Parties)
                {
                    State = Draining;
                    monitor.PulseAll();
                }
                else
                {
                    while (State == Filling && Posix.Now() < deadline)
                    {
                        monitor.Wait(deadline);
                    }
                    if (State == Filling)
                    {
                        Break(monitor);
                        throw new BrokenBarrierException($"the barrier's wait timed out with {Count} of {Parties} parties there; it is now broken for every party");
                    }
                    if (State < 0)
                    {
                        throw new BrokenBarrierException("the barrier was aborted or reset while this party waited");
                    }
                }
                return index;
            }
            finally
            {
                if (--Count == 0 && State is Resetting or Draining)
                {
                    State = Filling;
                    monitor.PulseAll();
                }
            }
        }
        finally
        {
            monitor.Exit();
        }
    }

    /// <summary>Returns the barrier to its empty state; parties waiting now get <see cref="BrokenBarrierException"/>.</summary>
    public void Reset()
    {
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        if (Count > 0)
        {
            if (State is Filling or BrokenState)
            {
                State = Resetting;
            }
        }
        else
        {
            State = Filling;
        }
        monitor.PulseAll();
        monitor.Exit();
    }

    /// <summary>Breaks the barrier: every waiting and later party gets <see cref="BrokenBarrierException"/> until <see cref="Reset"/>.</summary>
    public void Abort()
    {
        SharedMonitor monitor = _block.Monitor;
        monitor.Enter();
        Break(monitor);
        monitor.Exit();
    }

    private void Break(SharedMonitor monitor)
    {
        State = BrokenState;
        monitor.PulseAll();
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
