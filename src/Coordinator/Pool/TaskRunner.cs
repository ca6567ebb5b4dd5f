using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;

namespace Actors.Coordination.Pooling;

/// <summary>
/// The pool's actor on a worker: runs the initializer once per process and pool, then runs chunks one
/// at a time (the coordinator keeps a second one queued to hide the round trip). A result that cannot
/// be encoded fails only its own item; the worker is not lost.
/// </summary>
internal sealed class TaskRunner : Actor
{
    // Per process: initializers that ran, and the cancellation of jobs (by pool and job), shared by every runner here.
    private static readonly ConcurrentDictionary<string, Exception?> Initialized = new(StringComparer.Ordinal);
    internal static readonly ConcurrentDictionary<(string Pool, long Job), CancellationTokenSource> Cancellations = new();
    private static readonly ConcurrentDictionary<(string, int), MethodInfo> Methods = new();
    private static readonly ConcurrentDictionary<(string, int), ChunkInvoker> StatelessInvokers = new();
    private static readonly ConcurrentDictionary<Type, bool> HasState = new();

    private readonly string _pool;
    private readonly TaskFunction? _initializer;
    private readonly object?[] _initializerArguments;
    private readonly int _maxTasks;
    private int _tasksRun;

    public TaskRunner(string pool, TaskFunction? initializer, object?[] initializerArguments, int maxTasks)
    {
        _pool = pool;
        _initializer = initializer;
        _initializerArguments = initializerArguments;
        _maxTasks = maxTasks;
    }

    private IReadOnlyCollection<Assembly> Allowed => [.. Context.System.Options.Serializer.AllowedAssemblies];

    protected override ValueTask ReceiveAsync(object message)
    {
        switch (message)
        {
            case RunChunk chunk:
                ChunkResult result = Run(chunk, out Array results);
                try
                {
                    Context.Respond(result); // serializes here, on this thread: a result that cannot travel throws now
                }
                catch (PayloadSerializationException)
                {
                    Context.Respond(Encodable(result, results));
                }
                break;
            case ForgetJob forget:
                Cancellations.TryRemove((_pool, forget.Job), out _); // not disposed: a task may still hold its token
                break;
            default:
                Unhandled(message);
                break;
        }
        return default;
    }

    private ChunkResult Run(RunChunk chunk, out Array results)
    {
        var items = (Array)chunk.Items;
        var failedOffsets = new List<int>();
        var failures = new List<Exception>();
        if (InitializerFailure() is { } initFailure)
        {
            results = Array.Empty<object>();
            return AllFailed(chunk.Job, chunk.Chunk, items.Length, new InvalidOperationException($"The pool's initializer failed on this worker: {initFailure.Message}", initFailure));
        }
        ChunkInvoker invoker = InvokerFor(chunk.Function);
        CancellationToken token = chunk.Cancellable ? Cancellations.GetOrAdd((_pool, chunk.Job), _ => new CancellationTokenSource()).Token : CancellationToken.None;
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        long stopAfter = chunk.GiveBackAfterMicroseconds > 0 ? started + (long)(chunk.GiveBackAfterMicroseconds * System.Diagnostics.Stopwatch.Frequency / 1e6) : long.MaxValue;
        results = invoker.Run(items, failedOffsets, failures, Math.Max(1, chunk.Unit), stopAfter, out int ran, token);
        double micros = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        _tasksRun += ran;
        return new ChunkResult(chunk.Job, chunk.Chunk, results, [.. failedOffsets], [.. failures], _maxTasks > 0 && _tasksRun >= _maxTasks, micros, ran);
    }

    /// <summary>
    /// The task's invoker: built once per method when the task has no state (a static method, a lambda that
    /// captures nothing), and per chunk for a closure, whose captured values come with each call.
    /// </summary>
    private ChunkInvoker InvokerFor(TaskFunction function)
    {
        (string, int) key = (function.DeclaringType, function.MethodToken);
        MethodInfo method = Methods.GetOrAdd(key, _ => function.Resolve(Allowed));
        object? target = function.Target;
        bool stateful = target is not null && HasState.GetOrAdd(target.GetType(), static t => HasFields(t));
        return !stateful ? StatelessInvokers.GetOrAdd(key, _ => ChunkInvoker.Create(method, target)) : ChunkInvoker.Create(method, target);
    }

    /// <summary>Whether instances of the type hold any field, its base classes' private ones included.</summary>
    private static bool HasFields(Type type)
    {
        for (Type? t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Length > 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Replaces every result that cannot be encoded by a failure of that item alone.</summary>
    private ChunkResult Encodable(ChunkResult outcome, Array results)
    {
        IPayloadSerializer serializer = Context.System.Serializer;
        var offsets = outcome.FailedOffsets.ToList();
        var failures = outcome.Failures.ToList();
        for (int i = 0; i < results.Length; i++)
        {
            try
            {
                serializer.Serialize(new ArrayBufferWriter<byte>(), results.GetValue(i), typeof(object));
            }
            catch (PayloadSerializationException ex)
            {
                results.SetValue(null, i);
                offsets.Add(i);
                failures.Add(new PayloadSerializationException($"The result of this item cannot be sent back: {ex.Message}", ex));
            }
        }
        // The array's own element type may be what cannot travel (Stream[]): send the good results as objects.
        object?[] safe = new object?[results.Length];
        Array.Copy(results, safe, results.Length);
        outcome = outcome with { Results = safe, FailedOffsets = [.. offsets], Failures = [.. failures] };
        try
        {
            serializer.Serialize(new ArrayBufferWriter<byte>(), outcome, typeof(ChunkResult));
            return outcome;
        }
        catch (PayloadSerializationException ex)
        {
            return AllFailed(outcome.Job, outcome.Chunk, results.Length, ex); // the exceptions themselves cannot travel
        }
    }

    private static ChunkResult AllFailed(long job, int chunk, int count, Exception failure) =>
        new(job, chunk, new object?[count], [.. Enumerable.Range(0, count)], [.. Enumerable.Repeat(failure, count)], false, 0, count);

    private Exception? InitializerFailure()
    {
        if (_initializer is null)
        {
            return null;
        }
        return Initialized.GetOrAdd(_pool, _ =>
        {
            try
            {
                MethodInfo method = _initializer.Resolve(Allowed);
                method.Invoke(method.IsStatic ? null : _initializer.Target, _initializerArguments);
                return null;
            }
            catch (TargetInvocationException ex)
            {
                return ex.InnerException ?? ex;
            }
            catch (Exception ex)
            {
                return ex;
            }
        });
    }
}

/// <summary>
/// Cancels the tokens of a job's tasks on its worker. A separate actor from <see cref="TaskRunner"/>,
/// whose mailbox waits behind the very task that is to be cancelled.
/// </summary>
internal sealed class TaskCanceller : Actor
{
    protected override ValueTask ReceiveAsync(object message)
    {
        if (message is CancelJob cancel)
        {
            TaskRunner.Cancellations.GetOrAdd((cancel.Pool, cancel.Job), _ => new CancellationTokenSource()).Cancel();
        }
        return default;
    }
}
