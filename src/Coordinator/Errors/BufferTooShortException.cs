namespace Actors;

/// <summary>
/// CPython's <c>BufferTooShort</c>: <see cref="Connection.RecvBytesInto(byte[], int)"/> got a message longer than the
/// buffer's room. The message is not lost: it is in <see cref="ReceivedMessage"/>.
/// </summary>
public sealed class BufferTooShortException : ActorsException
{
    /// <summary>Creates the exception, carrying the whole message.</summary>
    public BufferTooShortException(string message, byte[] receivedMessage) : base(message) => ReceivedMessage = receivedMessage;

    /// <summary>The whole message that did not fit.</summary>
#pragma warning disable CA1819 // the message is data handed over once, as CPython's args[0]
    public byte[] ReceivedMessage { get; }
#pragma warning restore CA1819
}
