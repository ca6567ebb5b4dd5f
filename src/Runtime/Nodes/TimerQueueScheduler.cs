using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace Actors.Runtime.Nodes;

/// <summary>
/// Akka's scheduler (<c>akka.scheduler.implementation</c>, config/actors.conf) on .NET's own timer queue, which sleeps
/// until the next timer is due. Akka's <see cref="HashedWheelTimerScheduler"/> wakes every <c>tick-duration</c> (10 ms)
/// whether or not anything is due, and on .NET each tick is a timer firing into the thread pool, whose thread then spins
/// before it sleeps again. Measured here (2 cores), a coordinator with an idle pool of two workers: 70, 40 and 45 ms of
/// CPU per second in the three processes with Akka's scheduler, 7, 10 and 8 with its ticks stretched to a second: an idle
/// pool held about 15% of a core, which the workers' tasks needed once the pool was busy. This one costs nothing while
/// nothing is due, and is as precise as .NET's timers (about a millisecond, against the wheel's 10 ms tick).
/// As Akka's scheduler does, it checks a task's <see cref="ICancelable"/> when the task comes due, runs a task that is
/// still waiting once when the actor system stops, and refuses new tasks after that.
/// </summary>
internal sealed class TimerQueueScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The constructor Akka calls (by reflection) for <c>akka.scheduler.implementation</c>.</summary>
    public TimerQueueScheduler(Config config, ILoggingAdapter log)
        : base(config, log)
    {
    }

    protected override DateTimeOffset TimeNow => DateTimeOffset.UtcNow;

    private static readonly long Started = Stopwatch.GetTimestamp();

    public override TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(Started);

    public override TimeSpan HighResMonotonicClock => Stopwatch.GetElapsedTime(Started);

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, new Tell(receiver, message, sender), cancelable);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Schedule(initialDelay, interval, new Tell(receiver, message, sender), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Schedule(delay, Timeout.InfiniteTimeSpan, action, cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, new ActionRunnable(action), cancelable);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Schedule(initialDelay, interval, action, cancelable);

    private void Schedule(TimeSpan delay, TimeSpan interval, IRunnable action, ICancelable? cancelable)
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new SchedulerException("cannot enqueue after timer shutdown"); // Akka's own words
        }
        if (cancelable?.IsCancellationRequested != true)
        {
            new Entry(action, interval, cancelable, Log).Start(delay, _stopping.Token);
        }
    }

    /// <summary>Stops every timer; each task still waiting runs once now, as with Akka's own scheduler.</summary>
    public void Dispose() => _stopping.Cancel(); // not disposed: a task scheduled at this moment still reads its token

    /// <summary>
    /// One scheduled task and its timer. A repeating task re-arms its timer after each run, for the next multiple of
    /// its interval (missed ones are skipped, not run in a burst), so two runs of one task never overlap. A delay past
    /// what a .NET timer takes (about 49 days) is waited in steps.
    /// </summary>
    private sealed class Entry(IRunnable action, TimeSpan interval, ICancelable? cancelable, ILoggingAdapter log) : IDisposable
    {
        private Timer? _timer;
        private CancellationTokenRegistration _onStop;
        private static readonly TimeSpan LongestStep = TimeSpan.FromDays(30);
        private static readonly TimeSpan Never = TimeSpan.FromDays(365 * 100); // TimeSpan.MaxValue and the like: in Stopwatch ticks without overflow

        private long _nextDue; // Stopwatch timestamp of the next run
        private int _ended;

        public void Start(TimeSpan delay, CancellationToken stopping)
        {
            _timer = new Timer(static state => ((Entry)state!).Due(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _onStop = stopping.UnsafeRegister(static state => ((Entry)state!).Stopped(), this);
            _nextDue = Stopwatch.GetTimestamp() + Ticks(delay);
            Arm(delay);
        }

        private static long Ticks(TimeSpan span) => (long)((span < Never ? span : Never).TotalSeconds * Stopwatch.Frequency);

        private void Arm(TimeSpan delay)
        {
            try
            {
                _timer!.Change(delay < LongestStep ? delay : LongestStep, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // ended in between (cancelled, or the system stopped and ran it)
            }
        }

        private void Due()
        {
            long now = Stopwatch.GetTimestamp();
            if (cancelable?.IsCancellationRequested == true)
            {
                End();
            }
            else if (now < _nextDue && Stopwatch.GetElapsedTime(now, _nextDue) > TimeSpan.FromMilliseconds(1))
            {
                Arm(Stopwatch.GetElapsedTime(now, _nextDue)); // one step of a long delay, or a timer a little early
            }
            else if (interval == Timeout.InfiniteTimeSpan)
            {
                if (End())
                {
                    Run();
                }
            }
            else if (Volatile.Read(ref _ended) == 0)
            {
                Run();
                now = Stopwatch.GetTimestamp();
                _nextDue = Math.Max(_nextDue + Ticks(interval), now);
                Arm(Stopwatch.GetElapsedTime(now, _nextDue));
            }
        }

        private void Stopped()
        {
            if (End() && cancelable?.IsCancellationRequested != true)
            {
                Run();
            }
        }

        public void Dispose() => End();

        /// <summary>Stops the timer; true for the one caller that ended it.</summary>
        private bool End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 1)
            {
                return false;
            }
            _timer?.Dispose();
            _onStop.Unregister();
            return true;
        }

        private void Run()
        {
            try
            {
                action.Run();
            }
            catch (SchedulerException)
            {
                // a task that schedules again while the system stops: Akka's scheduler ignores it too
            }
            catch (Exception ex)
            {
                log.Error(ex, "Exception while executing timer task.");
            }
        }
    }

    /// <summary>A scheduled message. Akka's own wraps it for its telemetry only; the receiving actor sees the same message.</summary>
    private sealed class Tell(ICanTell receiver, object message, IActorRef sender) : IRunnable
    {
        public void Run() => receiver.Tell(message, sender);

        public void Execute() => Run();
    }
}
