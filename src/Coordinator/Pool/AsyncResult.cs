using System.Runtime.CompilerServices;
using Actors.Coordination.Pooling;

namespace Actors;

/// <summary>
/// The handle of an asynchronous pool call (CPython's <c>AsyncResult</c>): wait for it, poll it, get its
/// value with a timeout, or <c>await</c> it. As in CPython, the callback (or error callback) given at submission
/// has run by the time the handle is ready, so code after <c>Get</c>, <c>Wait</c> or <c>await</c> sees what it did.
/// A callback that throws makes the call fail with that exception: <c>Get</c> throws it and <c>Successful</c> is false.
/// </summary>
public sealed class AsyncResult<T>
{
    internal AsyncResult(Task<T> outcome, Action<T>? callback, Action<Exception>? errorCallback) =>
        Task = callback is null && errorCallback is null ? outcome : WithCallbacks(outcome, callback, errorCallback);

    private static async Task<T> WithCallbacks(Task<T> outcome, Action<T>? callback, Action<Exception>? errorCallback)
    {
        T value;
        try
        {
            value = await outcome.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            errorCallback?.Invoke(ex); // if it throws, the call fails with the callback's exception instead
            throw;
        }
        callback?.Invoke(value);
        return value;
    }

    /// <summary>The call as a task; it completes after the callbacks have run.</summary>
    public Task<T> Task { get; }

    /// <summary>True once the call has completed, successfully or not, and its callbacks have run.</summary>
    public bool Ready => Task.IsCompleted;

    /// <summary>Whether the call completed without an exception (a callback that threw counts as one).</summary>
    /// <exception cref="InvalidOperationException">The call is not ready yet (CPython raises ValueError).</exception>
    public bool Successful => Ready ? Task.IsCompletedSuccessfully : throw new InvalidOperationException("The result is not ready; call Wait or check Ready first.");

    /// <summary>Waits for completion, at most <paramref name="timeout"/> (and never less, when it does not complete); returns whether it completed.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the call itself goes on.</exception>
    public bool Wait(TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Timeouts.WaitAtLeast(Task, timeout, cancellationToken);

    /// <summary>The asynchronous form of <see cref="Wait"/>: true once the call completed, false after <paramref name="timeout"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the call itself goes on.</exception>
    public async Task<bool> WaitAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        try
        {
            await Task.WaitAsync(Timeouts.Waitable(timeout), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception) when (Task.IsCompleted)
        {
            // completed with a failure: it is ready
        }
        return true;
    }

    /// <summary>The value, waiting at most <paramref name="timeout"/>; a failed call rethrows its exception with its original type.</summary>
    /// <exception cref="TimeoutException">Not ready within the timeout (CPython's multiprocessing.TimeoutError); the call goes on.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first; the call itself goes on.</exception>
    public T Get(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!Wait(timeout, cancellationToken))
        {
            throw new TimeoutException($"The pool call did not complete within {timeout}.");
        }
        return Task.GetAwaiter().GetResult();
    }

    /// <summary>Lets the handle be awaited.</summary>
    public TaskAwaiter<T> GetAwaiter() => Task.GetAwaiter();
}
