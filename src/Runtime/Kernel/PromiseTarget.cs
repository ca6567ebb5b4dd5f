using System.Collections.Concurrent;
using System.Globalization;

namespace Actors.Runtime.Kernel;

/// <summary>The temporary target behind one ask: the first message it gets completes the ask.</summary>
internal sealed class PromiseTarget : IMessageTarget, IAskTarget
{
    private readonly TaskCompletionSource<object?> _reply = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PromiseTarget(ActorSystem system, long id)
    {
        System = system;
        Id = id;
        Ref = new ActorRef(new ActorId(system.NodeName, "/temp/" + id.ToString(CultureInfo.InvariantCulture), id), this);
    }

    public ActorSystem System { get; }

    public long Id { get; }

    public ActorRef Ref { get; }

    public Task<object?> Reply => _reply.Task;

    public void Post(object message, ActorRef? sender)
    {
        if (message is AskFault fault)
        {
            _reply.TrySetException(fault.Exception);
        }
        else
        {
            _reply.TrySetResult(message);
        }
    }

    public ValueTask PostAsync(object message, ActorRef? sender, CancellationToken cancellationToken)
    {
        Post(message, sender);
        return default;
    }

    public void PostSystem(SystemMessage message)
    {
        // A promise is not an actor: watching it reports it dead at once, as for any non-actor.
        if (message is WatchMessage watch)
        {
            watch.Watcher.Target.PostSystem(new DeathNotificationMessage(Ref, ExistenceConfirmed: false, NodeLost: false));
        }
    }

    public void Fail(Exception exception) => _reply.TrySetException(exception);
}

/// <summary>The asks of one actor system that wait for a reply, so shutdown can fail them and replies can find them.</summary>
internal sealed class PromiseRegistry
{
    private readonly ConcurrentDictionary<long, PromiseTarget> _pending = new();
    private long _nextId;

    public PromiseTarget Create(ActorSystem system)
    {
        var promise = new PromiseTarget(system, Interlocked.Increment(ref _nextId));
        _pending[promise.Id] = promise;
        return promise;
    }

    public void Remove(PromiseTarget promise) => _pending.TryRemove(promise.Id, out _);

    public PromiseTarget? Find(long id) => _pending.GetValueOrDefault(id);

    public void FailAll(Func<Exception> reason)
    {
        foreach (PromiseTarget promise in _pending.Values)
        {
            promise.Fail(reason());
        }
        _pending.Clear();
    }
}
