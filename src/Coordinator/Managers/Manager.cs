using Actors.Coordination.Managers;

namespace Actors;

/// <summary>
/// CPython's <c>multiprocessing.Manager()</c>: a server, in this process, that owns shared Python-style objects
/// (<see cref="Dict{TKey, TValue}"/>, <see cref="List{T}"/>, <see cref="Namespace"/>, and types you
/// <see cref="Register"/>), which any process reaches through proxies passed to it as arguments. Every call is a round
/// trip to the server over a pipe in shared memory; the objects have one owner, so each call is atomic. A method's
/// exception comes back as the same exception type. After <see cref="Shutdown"/> (or once this process exits) every
/// call fails with <see cref="InvalidOperationException"/>; none hangs.
/// <para>
/// Queues, locks, values and arrays need no server here: <see cref="Queue{T}"/>, <see cref="Lock"/> and the others
/// return the shared objects themselves (CPython's manager proxies them; ours are faster without the hop).
/// </para>
/// </summary>
public sealed class Manager : IDisposable
{
    private readonly ManagedObjects _objects = new();
    private readonly ManagerServer _server;

    private Manager() => _server = new ManagerServer(ManagerAddress.Create(), _objects);

    /// <summary>Starts a manager served by this process.</summary>
    public static Manager Start() => new();

    /// <summary>A new shared dictionary (CPython's <c>manager.dict()</c>).</summary>
    public ManagedDict<TKey, TValue> Dict<TKey, TValue>() where TKey : notnull => new(_server.Address, New("dict"));

    /// <summary>A new shared list, holding <paramref name="items"/> (CPython's <c>manager.list()</c>).</summary>
    public ManagedList<T> List<T>(IEnumerable<T>? items = null) =>
        new(_server.Address, New("list", (object)(items?.Cast<object?>().ToArray() ?? [])));

    /// <summary>A new shared namespace: attributes set and read by name (CPython's <c>manager.Namespace()</c>).</summary>
    public ManagedNamespace Namespace() => new(_server.Address, New("namespace"));

    /// <summary>Registers a type the manager serves: <see cref="Create"/> makes one here and returns a proxy to it (CPython's <c>register</c>).</summary>
    public void Register<T>(string typeId, Func<T> factory) where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(typeId);
        ArgumentNullException.ThrowIfNull(factory);
        Coordination.Sync.SharedPayloads.Trust(typeof(T));
        _objects.Register(typeId, factory);
    }

    /// <summary>Makes an object of a registered type in the manager and returns a proxy that calls its public methods.</summary>
    /// <exception cref="ArgumentException">No type was registered under <paramref name="typeId"/>.</exception>
    public ManagedObject Create(string typeId) => new(_server.Address, New(typeId));

    /// <summary>A shared queue (the queue itself: see the class remarks).</summary>
    public ProcessQueue<T> Queue<T>(int maxsize = 0)
    {
        ThrowIfShutDown();
        return new(maxsize);
    }

    /// <summary>A shared joinable queue.</summary>
    public JoinableProcessQueue<T> JoinableQueue<T>(int maxsize = 0)
    {
        ThrowIfShutDown();
        return new(maxsize);
    }

    /// <summary>A shared lock.</summary>
    public ProcessLock Lock()
    {
        ThrowIfShutDown();
        return new();
    }

    /// <summary>A shared re-entrant lock.</summary>
    public ProcessRLock RLock()
    {
        ThrowIfShutDown();
        return new();
    }

    /// <summary>A shared semaphore.</summary>
    public ProcessSemaphore Semaphore(int value = 1)
    {
        ThrowIfShutDown();
        return new(value);
    }

    /// <summary>A shared event.</summary>
    public ProcessEvent Event()
    {
        ThrowIfShutDown();
        return new();
    }

    /// <summary>A shared condition.</summary>
    public ProcessCondition Condition()
    {
        ThrowIfShutDown();
        return new();
    }

    /// <summary>A shared barrier.</summary>
    public ProcessBarrier Barrier(int parties, TimeSpan? timeout = null)
    {
        ThrowIfShutDown();
        return new(parties, timeout);
    }

    /// <summary>A shared value.</summary>
    public SharedValue<T> Value<T>(T value) where T : unmanaged
    {
        ThrowIfShutDown();
        return new(value);
    }

    /// <summary>A shared array.</summary>
    public SharedArray<T> Array<T>(int length) where T : unmanaged
    {
        ThrowIfShutDown();
        return new(length);
    }

    /// <summary>Stops the server: every proxy's calls fail from now on, in every process.</summary>
    public void Shutdown() => _server.Shutdown();

    /// <summary>The same as <see cref="Shutdown"/>.</summary>
    public void Dispose() => Shutdown();

    private long New(string kind, params object?[] args)
    {
        ThrowIfShutDown();
        return (long)_server.Address.Call(0, kind, args)!;
    }

    private void ThrowIfShutDown()
    {
        if (_server.IsShutDown)
        {
            throw new InvalidOperationException("the manager has shut down");
        }
    }
}
