using System.Runtime.CompilerServices;
using Actors.Coordination.Pooling;

namespace Actors;

/// <summary>
/// The handle of an asynchronous pool call (CPython's <c>AsyncResult</c>): wait for it, poll it, get its
/// value with a timeout, or <c>await</c> it. Callbacks given at submission run once it completes.
/// </summary>
public sealed class AsyncResult<T>
{
    internal AsyncResult(Task<T> task, Action<T>? callback, Action<Exception>? errorCallback)
    {
        Task = task;
        if (callback is not null || errorCallback is not null)
        {
            task.ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully) callback?.Invoke(t.Result);
                else errorCallback?.Invoke(t.Exception?.InnerException ?? new OperationCanceledException());
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>The call as a task.</summary>
    public Task<T> Task { get; }

    /// <summary>True once the call has completed, successfully or not.</summary>
    public bool Ready => Task.IsCompleted;

    /// <summary>Whether the call completed without an exception.</summary>
    /// <exception cref="InvalidOperationException">The call is not ready yet (CPython raises ValueError).</exception>
    public bool Successful => Ready ? Task.IsCompletedSuccessfully : throw new InvalidOperationException("The result is not ready; call Wait or check Ready first.");

    /// <summary>Waits for completion, at most <paramref name="timeout"/>; returns whether it completed.</summary>
    public bool Wait(TimeSpan? timeout = null)
    {
        try
        {
            return Task.Wait(Timeouts.Waitable(timeout));
        }
        catch (AggregateException)
        {
            return true; // completed with a failure: it is ready
        }
    }

    /// <summary>The value, waiting at most <paramref name="timeout"/>; a failed call rethrows its exception with its original type.</summary>
    /// <exception cref="TimeoutException">Not ready within the timeout (CPython's multiprocessing.TimeoutError).</exception>
    public T Get(TimeSpan? timeout = null)
    {
        if (!Wait(timeout))
        {
            throw new TimeoutException($"The pool call did not complete within {timeout}.");
        }
        return Task.GetAwaiter().GetResult();
    }

    /// <summary>Lets the handle be awaited.</summary>
    public TaskAwaiter<T> GetAwaiter() => Task.GetAwaiter();
}
