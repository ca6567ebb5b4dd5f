namespace Actors.Runtime.Hosting;

/// <summary>
/// What the product runs when its process exits (CPython's <c>multiprocessing.util._exit_function</c>): stop the workers
/// of a coordinator nobody disposed, terminate daemon children and join the others, drop a standby, remove a shared-memory
/// session. Run at an ordinary exit (<see cref="AppDomain.ProcessExit"/>), and by a warm child just before it ends with
/// <c>_exit</c>, as a forkserver child of CPython ends with <c>os._exit</c> after its own exit functions.
/// Process-wide by nature, as the exit is; hooks run once each, in the order they were added.
/// </summary>
internal static class ExitHooks
{
    private static readonly List<Action> Hooks = [];
    private static readonly Lock Gate = new();

    static ExitHooks() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Run();

    /// <summary>Adds <paramref name="hook"/>; disposing the result removes it (its owner was disposed first).</summary>
    public static IDisposable Add(Action hook)
    {
        lock (Gate)
        {
            Hooks.Add(hook);
        }
        return new Registration(hook);
    }

    /// <summary>Runs every hook not yet run or removed, in order.</summary>
    public static void Run()
    {
        while (true)
        {
            Action next;
            lock (Gate)
            {
                if (Hooks.Count == 0)
                {
                    return;
                }
                next = Hooks[0];
                Hooks.RemoveAt(0);
            }
            next();
        }
    }

    private sealed class Registration(Action hook) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                Hooks.Remove(hook);
            }
        }
    }
}
