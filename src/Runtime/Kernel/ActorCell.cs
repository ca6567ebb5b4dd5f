using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Kernel;

/// <summary>
/// The runtime side of one actor: its mailbox, its dispatch on the thread pool, its lifecycle,
/// its children and its watchers. One cell outlives restarts of the actor instance it hosts.
/// </summary>
/// <remarks>
/// Dispatch: a sender enqueues, then moves <c>_status</c> from idle to scheduled and queues the cell
/// to the thread pool; only the sender that wins that exchange queues it, so at most one thread runs
/// the cell at a time. The cell handles system messages first, then up to
/// <see cref="Mailbox.Throughput"/> user messages, then yields. A handler that completes
/// asynchronously keeps the cell scheduled until it finishes, so messages stay one at a time.
/// </remarks>
internal sealed partial class ActorCell : IThreadPoolWorkItem, IMessageTarget, IActorContext
{
    private const int Idle = 0;
    private const int Scheduled = 1;

    [ThreadStatic] private static ActorCell? t_running;
    [ThreadStatic] private static ActorCell? t_creating;

    private readonly ActorSystem _system;
    private readonly ActorCell? _parent;
    private readonly Props _props;
    private readonly Mailbox _mailbox;
    private readonly ConcurrentQueue<SystemMessage> _systemQueue = new();
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _status;
    private volatile CellState _state = CellState.Creating;
    private Actor? _actor;

    public ActorCell(ActorSystem system, ActorCell? parent, Props props, string path)
    {
        _system = system;
        _parent = parent;
        _props = props;
        _mailbox = new Mailbox(props.Mailbox ?? system.Options.DefaultMailbox);
        Self = new ActorRef(new ActorId(system.NodeName, path, system.NextUid()), this);
    }

    private enum CellState { Creating, Running, Suspended, Stopping, Stopped }

    /// <summary>The cell whose actor is being constructed on this thread, for <see cref="Actor"/>'s constructor.</summary>
    internal static ActorCell? Creating => t_creating;

    /// <summary>The actor running on this thread: the implicit sender of a tell made from inside it.</summary>
    internal static ActorRef? CurrentSelf => t_running?.Self;

    public ActorRef Self { get; }

    public ActorRef? Sender { get; private set; }

    public ActorSystem System => _system;

    public ActorRef Parent => _parent?.Self ?? Self;

    public Task Terminated => _terminated.Task;

    private ILogger Log => _system.Logger;

    public void Post(object message, ActorRef? sender)
    {
        if (_state == CellState.Stopped)
        {
            _system.DeadLetters.Publish(message, sender, Self, "the actor has stopped");
            return;
        }
        if (!_mailbox.TryEnqueue(new Envelope(message, sender)))
        {
            _system.DeadLetters.Publish(message, sender, Self,
                $"its mailbox is full (capacity {_mailbox.Capacity}); use TellAsync to wait for space");
            return;
        }
        AfterEnqueue();
    }

    public async ValueTask PostAsync(object message, ActorRef? sender, CancellationToken cancellationToken)
    {
        if (_state == CellState.Stopped)
        {
            _system.DeadLetters.Publish(message, sender, Self, "the actor has stopped");
            return;
        }
        await _mailbox.EnqueueAsync(new Envelope(message, sender), cancellationToken).ConfigureAwait(false);
        AfterEnqueue();
    }

    public void PostSystem(SystemMessage message)
    {
        if (_state == CellState.Stopped)
        {
            HandleWhileDead(message);
            return;
        }
        _systemQueue.Enqueue(message);
        if (_state == CellState.Stopped)
        {
            DrainSystemWhileDead(); // the cell stopped between the check and the enqueue
            return;
        }
        Schedule();
    }

    private void AfterEnqueue()
    {
        if (_state == CellState.Stopped)
        {
            DrainUserToDeadLetters(); // the cell stopped between the check and the enqueue
            return;
        }
        Schedule();
    }

    private void Schedule()
    {
        if (Interlocked.CompareExchange(ref _status, Scheduled, Idle) == Idle)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        ActorCell? previous = t_running;
        t_running = this;
        try
        {
            Run();
        }
        finally
        {
            t_running = previous;
        }
    }

    private void Run()
    {
        int budget = _mailbox.Throughput;
        while (true)
        {
            if (_systemQueue.TryDequeue(out SystemMessage? system))
            {
                if (!Continue(HandleSystemAsync(system)))
                {
                    return;
                }
                continue;
            }
            if (_state != CellState.Running || budget-- <= 0 || !_mailbox.TryDequeue(out Envelope envelope))
            {
                break;
            }
            if (!Continue(InvokeAsync(envelope)))
            {
                return;
            }
        }
        if (_state == CellState.Stopped)
        {
            DrainUserToDeadLetters();
        }
        Interlocked.Exchange(ref _status, Idle); // a full fence: the emptiness checks below see every enqueue before it
        if (!_systemQueue.IsEmpty || (_state == CellState.Running && !_mailbox.IsEmpty))
        {
            Schedule();
        }
    }

    /// <summary>True when <paramref name="pending"/> is done; otherwise the cell stays scheduled and resumes after it.</summary>
    private bool Continue(ValueTask pending)
    {
        if (pending.IsCompleted)
        {
            pending.GetAwaiter().GetResult(); // the handlers below never throw: they turn exceptions into failures
            return true;
        }
        _ = ResumeAfterAsync(pending);
        return false;
    }

    private async Task ResumeAfterAsync(ValueTask pending)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogKernelError(Log, ex, Self);
        }
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    private ValueTask InvokeAsync(Envelope envelope)
    {
        Sender = envelope.Sender;
        if (envelope.Message is PoisonPill)
        {
            return BeginStopAsync();
        }
        ValueTask handling;
        try
        {
            handling = _actor!.InvokeReceiveAsync(envelope.Message);
            if (handling.IsCompleted)
            {
                handling.GetAwaiter().GetResult();
                return default;
            }
        }
        catch (Exception ex)
        {
            Fail(ex, envelope);
            return default;
        }
        return AwaitHandlingAsync(handling, envelope);
    }

    private async ValueTask AwaitHandlingAsync(ValueTask handling, Envelope envelope)
    {
        try
        {
            await handling.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(ex, envelope);
        }
    }

    public void Respond(object message)
    {
        if (Sender is { } sender)
        {
            sender.Tell(message, Self);
        }
        else
        {
            _system.DeadLetters.Publish(message, Self, Self, "Respond was called for a message that has no sender");
        }
    }

    public void Unhandled(object message) =>
        _system.DeadLetters.Publish(message, Sender, Self, $"{_props.ActorType.Name} did not handle it");

    private void DrainUserToDeadLetters()
    {
        while (_mailbox.TryDequeue(out Envelope envelope))
        {
            _system.DeadLetters.Publish(envelope.Message, envelope.Sender, Self, "the actor stopped before processing it");
        }
    }

    public override string ToString() => Self.ToString();

    [LoggerMessage(Level = LogLevel.Error, Message = "Kernel error in {Actor}")]
    private static partial void LogKernelError(ILogger logger, Exception exception, ActorRef actor);
}
