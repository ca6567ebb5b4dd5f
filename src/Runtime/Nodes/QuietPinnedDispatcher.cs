using Akka.Configuration;
using Akka.Dispatch;

namespace Actors.Runtime.Nodes;

/// <summary>
/// Akka's <c>PinnedDispatcher</c> (a thread of its own for each actor) without its idle spinning, for the Pool's
/// scheduler and task runners (<c>config/actors.conf</c>: <c>type = "Actors.Runtime.Nodes.QuietPinnedDispatcher, Actors.Runtime"</c>).
/// </summary>
/// <remarks>
/// Akka's pinned thread waits on Helios' <c>UnfairSemaphore</c>, which calls <c>Thread.Sleep(0)</c> up to 100 times
/// (2 cores) each time its queue runs dry. Those yields are context switches on the very cores the pool's workers
/// compute on: a coordinator running 2,000-item maps on 2 workers made 15.6 k switches a second, 5.2 k of them on the
/// scheduler's thread alone (1.5 k with this one). This thread blocks at once instead, on a monitor.
/// </remarks>
internal sealed class QuietPinnedDispatcher(Config config, IDispatcherPrerequisites prerequisites) : MessageDispatcherConfigurator(config, prerequisites)
{
    /// <summary>A new dispatcher, with a thread of its own, for each actor (as Akka's pinned dispatcher).</summary>
    public override MessageDispatcher Dispatcher() =>
        new Dispatcher(this, Config.GetString("id", null), Config.GetInt("throughput", 0), Config.GetTimeSpan("throughput-deadline-time", null).Ticks,
            new ThreadFactory(), Config.GetTimeSpan("shutdown-timeout", null));

    private sealed class ThreadFactory : ExecutorServiceFactory
    {
        public override ExecutorService Produce(string id) => new DedicatedThread(id);
    }

    /// <summary>One background thread running what it is given, in order; it waits on a monitor (no spinning) while there is nothing.</summary>
    private sealed class DedicatedThread : ExecutorService
    {
        private readonly Queue<IRunnable> _work = new();
        private bool _shutDown;

        public DedicatedThread(string id) : base(id) =>
            new Thread(Loop) { IsBackground = true, Name = id }.Start();

        public override void Execute(IRunnable run)
        {
            lock (_work)
            {
                if (_shutDown)
                {
                    throw new RejectedExecutionException($"The dispatcher thread {Id} has shut down.");
                }
                _work.Enqueue(run);
                Monitor.Pulse(_work);
            }
        }

        public override void Shutdown()
        {
            lock (_work)
            {
                _shutDown = true;
                Monitor.Pulse(_work);
            }
        }

        private void Loop()
        {
            while (true)
            {
                IRunnable run;
                lock (_work)
                {
                    while (_work.Count == 0)
                    {
                        if (_shutDown)
                        {
                            return;
                        }
                        Monitor.Wait(_work);
                    }
                    run = _work.Dequeue();
                }
                run.Run();
            }
        }
    }
}
