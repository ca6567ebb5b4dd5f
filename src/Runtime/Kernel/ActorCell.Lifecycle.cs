using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Kernel;

internal sealed partial class ActorCell
{
    /// <summary>What to do once every child has confirmed that it stopped.</summary>
    private enum AfterChildren { Nothing, FinishStop, FinishRestart }

    private AfterChildren _afterChildren;

    private ValueTask HandleSystemAsync(SystemMessage message)
    {
        switch (message)
        {
            case CreateMessage: return CreateAsync();
            case StopMessage: return BeginStopAsync();
            case RestartMessage restart: return BeginRestartAsync(restart.Cause);
            case ResumeMessage:
                if (_state == CellState.Suspended && _afterChildren == AfterChildren.Nothing)
                {
                    _state = CellState.Running;
                }
                return default;
            case FailedMessage failed: HandleChildFailure(failed); return default;
            case ChildTerminatedMessage child: return OnChildTerminatedAsync(child.Child);
            case WatchMessage watch: AddWatcher(watch.Watcher); return default;
            case UnwatchMessage unwatch: _watchers?.Remove(unwatch.Watcher); return default;
            case DeathNotificationMessage death: OnDeathNotification(death); return default;
            default: throw new InvalidOperationException($"Unknown system message {message.GetType().Name}.");
        }
    }

    private async ValueTask CreateAsync()
    {
        if (_state is CellState.Stopping or CellState.Stopped)
        {
            return;
        }
        try
        {
            _actor = NewActor();
            await _actor.InvokeStartedAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fail(new ActorInitializationException($"{_props.ActorType.Name} at {Self} failed to start: {ex.Message}", ex), null);
            return;
        }
        _state = CellState.Running;
    }

    private Actor NewActor()
    {
        ActorCell? previous = t_creating;
        t_creating = this;
        try
        {
            Actor actor = _props.Factory() ?? throw new InvalidOperationException("The Props factory returned null.");
            if (!ReferenceEquals(actor.Cell, this))
            {
                throw new InvalidOperationException("The Props factory must create a new actor each time it is called, not return an existing one.");
            }
            return actor;
        }
        finally
        {
            t_creating = previous;
        }
    }

    private async ValueTask BeginStopAsync()
    {
        if (_state is CellState.Stopping or CellState.Stopped)
        {
            return;
        }
        _state = CellState.Stopping;
        _afterChildren = AfterChildren.FinishStop;
        await RunHookAsync(static a => a.InvokeStoppingAsync(), "OnStoppingAsync").ConfigureAwait(false);
        if (StopChildren() == 0)
        {
            await FinishStopAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask FinishStopAsync()
    {
        _afterChildren = AfterChildren.Nothing;
        await RunHookAsync(static a => a.InvokeStoppedAsync(), "OnStoppedAsync").ConfigureAwait(false);
        _actor = null;
        _state = CellState.Stopped;
        _system.Unregister(this);
        DrainUserToDeadLetters();
        DrainSystemWhileDead();
        NotifyWatchersAndUnwatch();
        _parent?.DetachChild(this); // the name is free again as soon as StopAsync returns
        _parent?.PostSystem(new ChildTerminatedMessage(this));
        _terminated.TrySetResult();
    }

    private async ValueTask BeginRestartAsync(Exception cause)
    {
        if (_state is CellState.Stopping or CellState.Stopped)
        {
            return;
        }
        _state = CellState.Suspended;
        await RunHookAsync(a => a.InvokeRestartingAsync(cause), "OnRestartingAsync").ConfigureAwait(false);
        _actor = null;
        _afterChildren = AfterChildren.FinishRestart;
        if (StopChildren() == 0)
        {
            await FinishRestartAsync().ConfigureAwait(false);
        }
    }

    private ValueTask FinishRestartAsync()
    {
        _afterChildren = AfterChildren.Nothing;
        _state = CellState.Creating;
        return CreateAsync();
    }

    private async ValueTask OnChildTerminatedAsync(ActorCell child)
    {
        _restarts.Remove(child);
        if (ChildCount > 0)
        {
            return;
        }
        switch (_afterChildren)
        {
            case AfterChildren.FinishStop: await FinishStopAsync().ConfigureAwait(false); break;
            case AfterChildren.FinishRestart: await FinishRestartAsync().ConfigureAwait(false); break;
        }
    }

    /// <summary>Runs a lifecycle hook; a hook that throws is logged and the lifecycle goes on.</summary>
    private async ValueTask RunHookAsync(Func<Actor, ValueTask> hook, string name)
    {
        if (_actor is null)
        {
            return;
        }
        try
        {
            await hook(_actor).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHookFailed(Log, ex, name, Self);
        }
    }

    /// <summary>Suspends this actor and asks its parent what to do; an asker waiting on the message gets the exception.</summary>
    private void Fail(Exception cause, Envelope? envelope)
    {
        if (envelope?.Sender?.Target is IAskTarget ask)
        {
            ask.Fail(cause);
        }
        LogActorFailed(Log, cause, Self, envelope?.Message.GetType().Name ?? "its start");
        _state = CellState.Suspended;
        if (_parent is null)
        {
            // A guardian has nobody to escalate to: it stops, which stops everything under it.
            PostSystem(StopMessage.Instance);
            return;
        }
        _parent.PostSystem(new FailedMessage(this, cause));
    }

    private void HandleWhileDead(SystemMessage message)
    {
        if (message is WatchMessage watch)
        {
            watch.Watcher.Target.PostSystem(new DeathNotificationMessage(Self, ExistenceConfirmed: true, NodeLost: false));
        }
    }

    private void DrainSystemWhileDead()
    {
        while (_systemQueue.TryDequeue(out SystemMessage? message))
        {
            HandleWhileDead(message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lifecycle hook {Hook} of {Actor} threw; the lifecycle goes on")]
    private static partial void LogHookFailed(ILogger logger, Exception exception, string hook, ActorRef actor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Actor} failed while handling {MessageType}; its supervisor decides")]
    private static partial void LogActorFailed(ILogger logger, Exception exception, ActorRef actor, string messageType);
}
