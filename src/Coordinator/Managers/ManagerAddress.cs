using System.Globalization;
using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors.Coordination.Managers;

/// <summary>
/// How any process reaches a manager: its accept queue, and a word that says which process serves it (its pid, or
/// -1 once it has shut down), so a client never waits for a server that is gone. Each thread of each process gets a
/// connection of its own on first use (CPython's proxies keep one per thread too).
/// </summary>
internal sealed class ManagerAddress
{
    private const long ShutDown = -1;

    // Per thread by nature: each thread of a process talks to a manager over a connection of its own (CPython's proxies
    // do the same), so no two threads ever wait for each other's replies.
    [ThreadStatic]
    private static Dictionary<string, Connection>? _connections;

    private ManagerAddress(ProcessQueue<Connection?> accept, SharedValue<long> server)
    {
        Accept = accept;
        Server = server;
        Handle = $"{((IProcessShared)Accept).Handle}|{((IProcessShared)Server).Handle.Replace('\n', '|')}";
    }

    public ProcessQueue<Connection?> Accept { get; }

    private SharedValue<long> Server { get; }

    public string Handle { get; }

    public static ManagerAddress Create() => new(new ProcessQueue<Connection?>(bufferSize: 64 << 10), new SharedValue<long>(Environment.ProcessId, withLock: false));

    public static ManagerAddress Attach(string handle)
    {
        string[] parts = handle.Split('|');
        if (parts.Length != 3)
        {
            throw new ArgumentException("not a manager's handle", nameof(handle));
        }
        return new ManagerAddress(ProcessShared.Attach<ProcessQueue<Connection?>>(parts[0]), ProcessShared.Attach<SharedValue<long>>(parts[1] + "\n" + parts[2]));
    }

    public void MarkShutDown() => Server.Value = ShutDown;

    public bool IsShutDown => Server.Value == ShutDown;

    /// <summary>Calls <paramref name="method"/> on object <paramref name="id"/> (0: the manager itself) and returns its result.</summary>
    /// <exception cref="InvalidOperationException">The manager has shut down, or its process is gone.</exception>
    public object? Call(long id, string method, params object?[] args)
    {
        Connection connection = Connect();
        try
        {
            connection.Send((id, method, args));
            while (!connection.Poll(TimeSpan.FromMilliseconds(100)))
            {
                ThrowIfGone();
            }
            (object? result, Exception? error) = connection.Recv<(object?, Exception?)>();
            return error is null ? result : throw error;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            _connections?.Remove(Handle);
            ThrowIfGone();
            throw new InvalidOperationException("the manager's connection broke: its process has exited or shut the manager down", e);
        }
    }

    private Connection Connect()
    {
        _connections ??= new(StringComparer.Ordinal);
        if (_connections.TryGetValue(Handle, out Connection? open) && !open.Closed)
        {
            return open;
        }
        ThrowIfGone();
        (Connection mine, Connection theirs) = Connection.Pipe(bufferSize: 256 << 10);
        Accept.Put(theirs);
        theirs.Close(); // the server holds it once it takes it from the queue
        _connections[Handle] = mine;
        return mine;
    }

    private void ThrowIfGone()
    {
        long server = Server.Value;
        if (server == ShutDown)
        {
            throw new InvalidOperationException("the manager has shut down: its objects can no longer be used");
        }
        if (!Posix.IsAlive((int)server))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the manager's process ({server}) has exited: its objects are gone"));
        }
    }
}
