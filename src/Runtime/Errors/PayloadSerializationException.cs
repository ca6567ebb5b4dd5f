namespace Actors;

/// <summary>
/// A value could not be encoded, or bytes could not be decoded. The message names the type and the
/// member path (<c>Order.Lines[3].Customer: ...</c>) and says what to change.
/// </summary>
public sealed class PayloadSerializationException : ActorsException
{
    /// <summary>Creates the exception.</summary>
    public PayloadSerializationException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public PayloadSerializationException(string message, Exception? innerException) : base(message, innerException) { }
}
