namespace Actors;

/// <summary>
/// The root of the runtime's own exceptions, the part CPython's <c>ProcessError</c> plays. Where .NET
/// already has the meaning the runtime throws .NET's type instead: <see cref="TimeoutException"/>,
/// <see cref="InvalidOperationException"/> for a wrong lifecycle state, <see cref="ArgumentException"/>.
/// </summary>
public class ActorsException : Exception
{
    /// <summary>Creates the exception with a message that says what happened and what to do.</summary>
    public ActorsException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public ActorsException(string message, Exception? innerException) : base(message, innerException) { }
}
