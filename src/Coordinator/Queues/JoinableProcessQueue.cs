using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.JoinableQueue</c>: a <see cref="ProcessQueue{T}"/> that counts unfinished items. Each
/// <c>Put</c> adds one, each <see cref="TaskDone"/> removes one, and <see cref="Join()"/> waits until none is left.
/// </summary>
public sealed class JoinableProcessQueue<T> : ProcessQueue<T>, IProcessShared<JoinableProcessQueue<T>>
{
    /// <summary>Creates a joinable queue (see <see cref="ProcessQueue{T}(int, int)"/>).</summary>
    public JoinableProcessQueue(int maxsize = 0, int bufferSize = DefaultBufferSize) : base(maxsize, bufferSize, joinable: true) { }

    private JoinableProcessQueue(string handle) : base(handle, joinable: true) { }

    static JoinableProcessQueue<T> IProcessShared<JoinableProcessQueue<T>>.Attach(string handle) => new(handle);

    /// <summary>Says that an item taken with <c>Get</c> is done with.</summary>
    /// <exception cref="InvalidOperationException">Called more times than items were put.</exception>
    public void TaskDone()
    {
        SharedMonitor monitor = Block.Monitor;
        monitor.Enter();
        if (Unfinished <= 0)
        {
            monitor.Exit();
            throw new InvalidOperationException("task_done() called too many times");
        }
        if (--Unfinished == 0)
        {
            monitor.PulseAll();
        }
        monitor.Exit();
    }

    /// <summary>Waits until every item put has been marked done.</summary>
    public void Join() => Join(Timeout.InfiniteTimeSpan);

    /// <summary>Waits at most <paramref name="timeout"/> for every item put to be marked done; false if some are not.</summary>
    public bool Join(TimeSpan timeout)
    {
        long deadline = Posix.Deadline(timeout);
        SharedMonitor monitor = Block.Monitor;
        monitor.Enter();
        while (Unfinished > 0 && Posix.Now() < deadline)
        {
            monitor.Wait(deadline);
        }
        bool done = Unfinished == 0;
        monitor.Exit();
        return done;
    }

    private protected override void OnPutting()
    {
        Block.Monitor.Enter();
        Unfinished++;
        Block.Monitor.Exit();
    }

    private protected override void OnPutFailed() => TaskDone();
}
