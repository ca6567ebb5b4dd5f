using Actors.Runtime.SharedMemory;

namespace Actors.Coordination.Managers;

/// <summary>
/// A manager's server, in the process that started it: one thread, the only code that touches the managed objects.
/// It sleeps on the accept queue and on every client's connection at once (futex_waitv), takes new clients (each
/// thread of each process connects by putting one end of a fresh pipe on the accept queue), and answers each
/// request on the connection it came on. An exception thrown by a method goes back as the reply, and the caller
/// throws it as the same type.
/// </summary>
internal sealed class ManagerServer
{
    private readonly ManagedObjects _objects;
    private readonly Thread _owner;

    public ManagerServer(ManagerAddress address, ManagedObjects objects)
    {
        Address = address;
        _objects = objects;
        _owner = new Thread(Serve) { IsBackground = true, Name = "Actors manager" };
        _owner.Start();
    }

    public ManagerAddress Address { get; }

    /// <summary>Whether <see cref="Shutdown"/> was called.</summary>
    public bool IsShutDown => Address.IsShutDown;

    /// <summary>Stops serving: every client's pending and later calls fail with a clear error, none hangs.</summary>
    public void Shutdown()
    {
        if (!Address.IsShutDown)
        {
            Address.MarkShutDown();
            Address.Accept.Put(null); // the server's stop signal
            _owner.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Serve()
    {
        var clients = new List<Connection>();
        while (true)
        {
            List<int> ready = SharedWait.Any(
                [Address.Accept.Monitor, .. clients.Select(c => c.Monitor)],
                [() => !Address.Accept.Empty(), .. clients.Select(c => (Func<bool>)(() => c.Poll()))],
                long.MaxValue);
            foreach (int index in ready.OrderDescending()) // from the end, so removing a client keeps the other indexes
            {
                if (index == 0)
                {
                    while (Address.Accept.TryGet(out Connection? client))
                    {
                        if (client is null)
                        {
                            clients.ForEach(c => c.Close());
                            return;
                        }
                        clients.Add(client);
                    }
                }
                else if (!Answer(clients[index - 1]))
                {
                    clients[index - 1].Close();
                    clients.RemoveAt(index - 1);
                }
            }
        }
    }

    /// <summary>Answers one request; false if the client has gone.</summary>
    private bool Answer(Connection client)
    {
        (long id, string method, object?[] args) request;
        try
        {
            request = client.Recv<(long, string, object?[])>();
        }
        catch (Exception e) when (e is EndOfStreamException or PayloadSerializationException)
        {
            return false;
        }
        (object? Result, Exception? Error) reply;
        try
        {
            reply = (_objects.Call(request.id, request.method, request.args), null);
        }
#pragma warning disable CA1031 // any exception of a managed method is the caller's to see, as CPython's RemoteError carries it
        catch (Exception e)
#pragma warning restore CA1031
        {
            reply = (null, e);
        }
        try
        {
            client.Send(reply);
        }
        catch (PayloadSerializationException e)
        {
            client.Send((null as object, new InvalidOperationException($"the manager's reply to '{request.method}' cannot travel: {e.Message}") as Exception));
        }
        catch (IOException)
        {
            return false;
        }
        return true;
    }
}
