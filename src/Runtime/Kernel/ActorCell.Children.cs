using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Kernel;

internal sealed partial class ActorCell
{
    // Children are added from any thread (ActorSystem.Spawn goes through a guardian) and removed
    // on the cell's own thread, so the dictionary is guarded by a lock.
    private readonly Dictionary<string, ActorCell> _children = new(StringComparer.Ordinal);
    private readonly Dictionary<ActorCell, RestartWindow> _restarts = [];
    private long _generatedNames;

    public IReadOnlyCollection<ActorRef> Children
    {
        get
        {
            lock (_children)
            {
                return _children.Values.Select(c => c.Self).ToArray();
            }
        }
    }

    public ActorRef Spawn(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is not null)
        {
            ValidateName(name);
        }
        ActorCell child;
        lock (_children)
        {
            if (_state is CellState.Stopping or CellState.Stopped)
            {
                throw new InvalidOperationException(_parent is null
                    ? $"The actor system '{_system.Name}' is shut down; no actor can be spawned in it."
                    : $"{Self} is stopping; it cannot spawn children any more.");
            }
            name ??= "$" + (++_generatedNames).ToString(CultureInfo.InvariantCulture);
            if (_children.ContainsKey(name))
            {
                throw new ArgumentException($"An actor named '{name}' already exists under {Self.Path}; names are unique among siblings.", nameof(name));
            }
            child = new ActorCell(_system, this, props, Self.Path + "/" + name);
            _children.Add(name, child);
        }
        _system.Register(child);
        child.PostSystem(CreateMessage.Instance);
        return child.Self;
    }

    public void Stop(ActorRef child)
    {
        ArgumentNullException.ThrowIfNull(child);
        child.Target.PostSystem(StopMessage.Instance);
    }

    internal static void ValidateName(string name)
    {
        if (name.Length == 0 || name.StartsWith('$') || name.AsSpan().IndexOfAny('/', '#') >= 0 || name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"'{name}' is not a valid actor name: it must be non-empty, must not start with '$' and must not contain '/', '#' or white space.", nameof(name));
        }
    }

    /// <summary>Sends stop to every child; returns how many there were.</summary>
    private int StopChildren()
    {
        ActorCell[] children;
        lock (_children)
        {
            children = [.. _children.Values];
        }
        foreach (ActorCell child in children)
        {
            child.PostSystem(StopMessage.Instance);
        }
        return children.Length;
    }

    /// <summary>Forgets a child that has stopped; called on the child's thread.</summary>
    private void DetachChild(ActorCell child)
    {
        lock (_children)
        {
            string name = child.Self.Path[(child.Self.Path.LastIndexOf('/') + 1)..];
            if (_children.TryGetValue(name, out ActorCell? existing) && ReferenceEquals(existing, child))
            {
                _children.Remove(name);
            }
        }
    }

    private int ChildCount
    {
        get
        {
            lock (_children)
            {
                return _children.Count;
            }
        }
    }

    private bool IsChild(ActorCell cell)
    {
        lock (_children)
        {
            return _children.ContainsValue(cell);
        }
    }

    private void HandleChildFailure(FailedMessage failed)
    {
        if (!IsChild(failed.Child))
        {
            return; // a stale report from a child that has already gone
        }
        SupervisorStrategy strategy = _props.ChildSupervisor ?? _system.Options.DefaultSupervisor;
        SupervisorDirective directive;
        try
        {
            directive = strategy.Decider(failed.Cause);
        }
        catch (Exception ex)
        {
            LogDeciderFailed(Log, ex, Self);
            directive = SupervisorDirective.Stop;
        }
        if (directive == SupervisorDirective.Escalate && _parent is null)
        {
            directive = SupervisorDirective.Stop; // guardians have nobody to escalate to
        }
        switch (directive)
        {
            case SupervisorDirective.Resume:
                failed.Child.PostSystem(ResumeMessage.Instance);
                break;
            case SupervisorDirective.Restart when AllowRestart(failed.Child, strategy):
                failed.Child.PostSystem(new RestartMessage(failed.Cause));
                break;
            case SupervisorDirective.Restart:
                LogRestartLimit(Log, failed.Child.Self, strategy.MaxRestarts, strategy.Within);
                failed.Child.PostSystem(StopMessage.Instance);
                break;
            case SupervisorDirective.Stop:
                failed.Child.PostSystem(StopMessage.Instance);
                break;
            case SupervisorDirective.Escalate:
                Fail(failed.Cause, null);
                break;
        }
    }

    private bool AllowRestart(ActorCell child, SupervisorStrategy strategy)
    {
        if (strategy.MaxRestarts < 0)
        {
            return true;
        }
        long now = Environment.TickCount64;
        if (!_restarts.TryGetValue(child, out RestartWindow window) || now - window.StartedAt > (long)strategy.Within.TotalMilliseconds)
        {
            window = new RestartWindow(now, 0);
        }
        window = window with { Count = window.Count + 1 };
        _restarts[child] = window;
        return window.Count <= strategy.MaxRestarts;
    }

    private readonly record struct RestartWindow(long StartedAt, int Count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The supervisor decider of {Actor} threw; the failing child is stopped")]
    private static partial void LogDeciderFailed(ILogger logger, Exception exception, ActorRef actor);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Actor} needed more than {MaxRestarts} restarts within {Within}; it is stopped")]
    private static partial void LogRestartLimit(ILogger logger, ActorRef actor, int maxRestarts, TimeSpan within);
}
