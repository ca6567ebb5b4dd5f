using System.Collections.Concurrent;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// Awaitable waits on shared objects: one thread per process sleeps on every pending wait's monitor at once (with
/// <see cref="SharedWait"/>) and completes each wait's task when its condition holds. A futex cannot be awaited, so this
/// is what lets <c>GetAsync</c> and <c>PutAsync</c> release their caller's thread. The thread owns the list of waits;
/// new waits and cancellations reach it through a queue and a bell. Process-wide by nature, started on first use.
/// </summary>
internal static class AsyncWaits
{
    private sealed record Waiter(SharedMonitor Monitor, Func<bool> Ready, TaskCompletionSource Done);

    private static readonly ConcurrentQueue<Waiter> Arrivals = new();
    private static readonly Lazy<SharedBlock> Bell = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A task that completes once <paramref name="ready"/> holds (checked whenever <paramref name="monitor"/> is pulsed), or is cancelled.</summary>
    public static Task WhenReady(SharedMonitor monitor, Func<bool> ready, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                if (done.TrySetCanceled(cancellationToken))
                {
                    Ring(); // so the loop drops it
                }
            });
            _ = done.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        Arrivals.Enqueue(new Waiter(monitor, ready, done));
        Ring();
        return done.Task;
    }

    private static void Ring()
    {
        SharedMonitor bell = Bell.Value.Monitor;
        bell.Enter();
        bell.PulseAll();
        bell.Exit();
    }

    private static SharedBlock Start()
    {
        var block = SharedBlock.Create(kind: 99, dataSize: 8);
        new Thread(() => Loop(block.Monitor)) { IsBackground = true, Name = "Actors async waits" }.Start();
        return block;
    }

    private static void Loop(SharedMonitor bell)
    {
        var waiters = new List<Waiter>();
        while (true)
        {
            while (Arrivals.TryDequeue(out Waiter? arrival))
            {
                waiters.Add(arrival);
            }
            waiters.RemoveAll(w => w.Done.Task.IsCompleted); // cancelled
            for (int i = waiters.Count - 1; i >= 0; i--)
            {
                if (Holds(waiters[i]))
                {
                    waiters[i].Done.TrySetResult();
                    waiters.RemoveAt(i);
                }
            }
            SharedWait.Any(
                [bell, .. waiters.Select(w => w.Monitor)],
                [() => !Arrivals.IsEmpty, .. waiters.Select(w => (Func<bool>)(() => w.Done.Task.IsCompleted || Holds(w)))],
                long.MaxValue);
        }
    }

    private static bool Holds(Waiter waiter)
    {
        try
        {
            return waiter.Ready();
        }
#pragma warning disable CA1031 // a condition that throws completes its wait: the caller's retry meets the error itself
        catch (Exception)
#pragma warning restore CA1031
        {
            return true;
        }
    }
}
