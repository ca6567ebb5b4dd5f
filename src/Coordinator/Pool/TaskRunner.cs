using Actors.Runtime.Tasks;
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Actors.Runtime.Lane;
using Actors.Runtime.Serialization;
using Akka.Actor;

namespace Actors.Coordination.Pooling;

/// <summary>
/// The pool's actor on a worker (one per pool and worker process, on a thread of its own): runs the
/// initializer once, then runs chunks one at a time as they arrive on the lane (the coordinator keeps
/// more queued to hide the round trip) and replies on the lane. A result that cannot be encoded fails
/// only its own item; the worker is not lost. Its child <c>cancel</c> cancels the tokens of a job's
/// tasks while this actor is busy running them.
/// </summary>
internal sealed class TaskRunner : ReceiveActor
{
    /// <summary>Runners block their thread for as long as a chunk runs; each gets a thread of its own (config/actors.conf).</summary>
    public const string Dispatcher = "actors.runner-dispatcher";

    private readonly Dictionary<(string, int), MethodInfo> _methods = [];
    private readonly Dictionary<(string, int), ChunkInvoker> _statelessInvokers = [];
    private readonly Dictionary<Type, bool> _hasState = [];
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _cancellations = new();
    private readonly TaskFunction? _initializer;
    private readonly object?[] _initializerArguments;
    private readonly int _maxTasks;
    private readonly int _core; // the core this runner's thread is bound to while it runs a board's pieces (its index among this process's), or -1
    private readonly PayloadSerializer _serializer;
    private bool _bound;
    private Exception? _initializerFailure;
    private bool _initialized;
    private int _tasksRun;
    private long _lastEnded; // when the previous chunk ended, to tell the scheduler how long this runner sat idle
    private long _lastJob;
    private Actors.Runtime.SharedMemory.Segment? _boardSegment; // the segment of the last ticket's board, kept mapped: the pool reuses it

    public TaskRunner(TaskFunction? initializer, object?[] initializerArguments, int maxTasks, int core)
    {
        _core = core;
        _initializer = initializer;
        _initializerArguments = initializerArguments;
        _maxTasks = maxTasks;
        _serializer = AkkaPayloadSerializer.Of(Context.System);
        Receive<LaneRequest>(request =>
        {
            switch (request.Message)
            {
                case RunChunk chunk:
                    Bind(false);
                    ChunkResult result = Run(chunk.Job, chunk.Chunk, chunk.Function, (Array)chunk.Items, chunk.Cancellable, chunk.Unit, chunk.GiveBackAfterMicroseconds);
                    try
                    {
                        request.Reply(result); // serializes here, on this thread: a result that cannot travel throws now
                    }
                    catch (PayloadSerializationException)
                    {
                        request.Reply(Encodable(result));
                    }
                    break;
                case RunBoard board:
                    BoardResult ran = Run(board);
                    try
                    {
                        request.Reply(ran);
                    }
                    catch (PayloadSerializationException)
                    {
                        request.Reply(ran with { Results = [.. ran.Results.Select(Encodable)] });
                    }
                    catch (MessageTooLargeException ex)
                    {
                        request.Fail(ex); // more results than estimated: what is left of the board goes as chunks
                    }
                    break;
                case ForgetJob forget:
                    _cancellations.TryRemove(forget.Job, out _); // not disposed: a task may still hold its token
                    break;
                default:
                    request.Fail(new InvalidOperationException($"A pool's task runner does not take a {request.Message.GetType().Name}."));
                    break;
            }
        });
    }

    /// <summary>Where a task's class may come from: the app assemblies trusted on this worker (the coordinator names each call's), and this one.</summary>
    private IReadOnlyCollection<Assembly> Allowed => [.. _serializer.TrustedAssemblies, GetType().Assembly];

    protected override void PreStart() => Context.ActorOf(Props.Create(() => new TaskCanceller(_cancellations)), "cancel");

    protected override void PostStop() => _boardSegment?.Dispose();

    private ChunkResult Run(long job, int chunk, TaskFunction function, Array items, bool cancellable, int unit, double giveBackAfterMicroseconds)
    {
        var failedOffsets = new List<int>();
        var failures = new List<Exception>();
        if (InitializerFailure() is { } initFailure)
        {
            return AllFailed(job, chunk, items.Length, new InvalidOperationException($"The pool's initializer failed on this worker: {initFailure.Message}", initFailure));
        }
        ChunkInvoker invoker = InvokerFor(function);
        CancellationToken token = cancellable ? _cancellations.GetOrAdd(job, _ => new CancellationTokenSource()).Token : CancellationToken.None;
        long started = Stopwatch.GetTimestamp();
        // Only between chunks of one call: the gap before a call's first chunk is the app's own pause, not a round trip.
        double idle = _lastEnded == 0 || _lastJob != job ? 0 : Stopwatch.GetElapsedTime(_lastEnded, started).TotalMicroseconds;
        _lastJob = job;
        long stopAfter = giveBackAfterMicroseconds > 0 ? started + (long)(giveBackAfterMicroseconds * Stopwatch.Frequency / 1e6) : long.MaxValue;
        Array results = invoker.Run(items, failedOffsets, failures, Math.Max(1, unit), stopAfter, out int ran, token);
        double micros = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        _tasksRun += ran;
        _lastEnded = Stopwatch.GetTimestamp();
        return new ChunkResult(job, chunk, results, [.. failedOffsets], [.. failures], _maxTasks > 0 && _tasksRun >= _maxTasks, micros, ran, idle);
    }

    /// <summary>
    /// Runs a ticket: claims pieces of the board and runs them until none is left or its budget has passed.
    /// </summary>
    private BoardResult Run(RunBoard ticket)
    {
        var results = new List<ChunkResult>();
        Bind(true);
        try
        {
            if (_boardSegment?.Path != ticket.Path)
            {
                _boardSegment?.Dispose();
                _boardSegment = null;
                _boardSegment = TaskBoard.View.Map(ticket.Path);
            }
            var board = TaskBoard.View.Of(_boardSegment, ticket.Pieces);
            long until = Stopwatch.GetTimestamp() + (long)(ticket.BudgetMicroseconds * Stopwatch.Frequency / 1e6);
            double bytesPerItem = -1; // measured on the ticket's first piece: the reply itself is encoded once, at the end
            double bytes = 0;
            int? piece = null;
            while (Stopwatch.GetTimestamp() < until && bytes < ticket.MaxReplyBytes && (piece = board.Claim(ticket.Claimer)) is { } claimed)
            {
                var items = (Array)_serializer.Deserialize(board.Items(claimed), typeof(object))!;
                ChunkResult result = Run(ticket.Job, claimed, ticket.Function, items, ticket.Cancellable, 1, 0);
                board.Ran(claimed);
                results.Add(result);
                if (bytesPerItem < 0)
                {
                    bytesPerItem = EncodedSize(result) / (double)Math.Max(1, result.Ran);
                }
                bytes += (bytesPerItem * result.Ran) + (1024 * result.Failures.Length);
            }
            if (piece is null && _boardSegment.Size > TaskBoard.Arena.MaxKept)
            {
                _boardSegment.Dispose(); // drained, and too large to be reused: its memory goes once the coordinator removes it
                _boardSegment = null;
            }
            return new BoardResult(ticket.Job, [.. results]);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or PayloadSerializationException or InvalidCastException)
        {
            return new BoardResult(ticket.Job, [.. results], ex);
        }
    }

    /// <summary>
    /// Binds this runner's thread to its core for a board's pieces, and frees it for the next ordinary chunk (see
    /// <see cref="PoolOptions.PinWorkers"/>); it stays bound from one board to the next, so a ticket does not start by
    /// moving the thread to a core that may be idle and slow to wake.
    /// </summary>
    private void Bind(bool bound)
    {
        if (_core >= 0 && bound != _bound)
        {
            _bound = bound;
            _ = bound ? Actors.Runtime.SharedMemory.Posix.PinThisThread(_core) : Actors.Runtime.SharedMemory.Posix.UnpinThisThread();
        }
    }

    /// <summary>How many bytes a piece's outcome encodes to (one that cannot be encoded: as its failures would).</summary>
    private int EncodedSize(ChunkResult result)
    {
        var output = new ArrayBufferWriter<byte>();
        try
        {
            _serializer.Serialize(output, result, typeof(ChunkResult));
        }
        catch (PayloadSerializationException)
        {
            output.Clear();
            _serializer.Serialize(output, Encodable(result), typeof(ChunkResult));
        }
        return output.WrittenCount;
    }

    /// <summary>
    /// The task's invoker: built once per method when the task has no state (a static method, a lambda that
    /// captures nothing), and per chunk for a closure, whose captured values come with each call.
    /// </summary>
    private ChunkInvoker InvokerFor(TaskFunction function)
    {
        (string, int) key = (function.DeclaringType, function.MethodToken);
        if (!_methods.TryGetValue(key, out MethodInfo? method))
        {
            _methods[key] = method = function.Resolve(Allowed);
        }
        object? target = function.Target;
        bool stateful = false;
        if (target is not null && !_hasState.TryGetValue(target.GetType(), out stateful))
        {
            _hasState[target.GetType()] = stateful = HasFields(target.GetType());
        }
        if (stateful)
        {
            return ChunkInvoker.Create(method, target);
        }
        if (!_statelessInvokers.TryGetValue(key, out ChunkInvoker? invoker))
        {
            _statelessInvokers[key] = invoker = ChunkInvoker.Create(method, target);
        }
        return invoker;
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
    private ChunkResult Encodable(ChunkResult outcome)
    {
        var results = (Array)outcome.Results;
        PayloadSerializer serializer = _serializer;
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
        if (_initializer is null || _initialized)
        {
            return _initializerFailure;
        }
        _initialized = true;
        try
        {
            MethodInfo method = _initializer.Resolve(Allowed);
            method.Invoke(method.IsStatic ? null : _initializer.Target, _initializerArguments);
        }
        catch (TargetInvocationException ex)
        {
            _initializerFailure = ex.InnerException ?? ex;
        }
        catch (Exception ex)
        {
            _initializerFailure = ex;
        }
        return _initializerFailure;
    }
}

/// <summary>
/// Cancels the tokens of a job's tasks on its worker: the <see cref="TaskRunner"/>'s child, whose own mailbox
/// does not wait behind the very task that is to be cancelled.
/// </summary>
internal sealed class TaskCanceller : ReceiveActor
{
    public TaskCanceller(ConcurrentDictionary<long, CancellationTokenSource> cancellations)
    {
        Receive<LaneRequest>(request => request.Message is CancelJob, request =>
            cancellations.GetOrAdd(((CancelJob)request.Message).Job, _ => new CancellationTokenSource()).Cancel());
    }
}
