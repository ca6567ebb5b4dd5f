namespace Actors;

/// <summary>
/// Stands in for an exception thrown on another node whose type cannot be rebuilt here (it is not
/// on the allow-list, or has no usable constructor). Like CPython's <c>RemoteTraceback</c> it keeps
/// the remote type name and stack text.
/// </summary>
public sealed class RemoteException : ActorsException
{
    /// <summary>Creates the stand-in.</summary>
    /// <param name="remoteTypeName">The full name of the exception type on the remote side.</param>
    /// <param name="message">The remote exception's message.</param>
    /// <param name="remoteStackTrace">The stack text on the remote side.</param>
    /// <param name="innerException">The remote exception's inner exception, rebuilt.</param>
    public RemoteException(string remoteTypeName, string message, string? remoteStackTrace, Exception? innerException = null)
        : base(message, innerException)
    {
        RemoteTypeName = remoteTypeName;
        RemoteStackTrace = remoteStackTrace ?? string.Empty;
    }

    /// <summary>The full name of the exception type on the remote side.</summary>
    public string RemoteTypeName { get; }

    /// <summary>The stack text on the remote side.</summary>
    public string RemoteStackTrace { get; }

    /// <inheritdoc />
    public override string ToString() => $"{RemoteTypeName}: {Message}{Environment.NewLine}{RemoteStackTrace}";
}
