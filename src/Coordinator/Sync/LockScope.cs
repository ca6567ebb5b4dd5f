namespace Actors;

/// <summary>
/// Holds a <see cref="ProcessLock"/>, <see cref="ProcessRLock"/> or <see cref="ProcessCondition"/> until disposed:
/// <c>using (counter.GetLock().EnterScope()) { ... }</c> is CPython's <c>with lock:</c>. A ref struct, so it cannot
/// cross an <c>await</c>: these locks belong to a thread, as <see cref="System.Threading.Lock"/>'s scope does.
/// </summary>
public readonly ref struct LockScope
{
    private readonly Action? _release;

    internal LockScope(Action release) => _release = release;

    /// <summary>Releases the lock.</summary>
    public void Dispose() => _release?.Invoke();
}
