using System.Net.Sockets;
using System.Security.Cryptography;

namespace Actors;

/// <summary>
/// A <see cref="ChildProcess"/> whose target returns a value, read after it has exited: a C# convenience CPython lacks
/// (there, a result comes back through a queue). The value travels back over a private socket of the parent's, which
/// only this child can answer (it holds a one-off key).
/// </summary>
public sealed class ChildProcess<TResult> : ChildProcess
{
    private const int MaxResultBytes = 64 * 1024 * 1024;

    private Socket? _listener;
    private TResult? _result;
    private int _hasResult;

    /// <summary>A process that will run <c>target(args)</c> and keep what it returns.</summary>
    /// <exception cref="ArgumentException">The target does not return a <typeparamref name="TResult"/>.</exception>
    public ChildProcess(Delegate target, object?[]? args = null, string? name = null, bool? daemon = null, ProcessContext? context = null)
        : base(target, args, name, daemon, context)
    {
        if (!typeof(TResult).IsAssignableFrom(target.Method.ReturnType))
        {
            throw new ArgumentException($"The target {target.Method.Name} returns {target.Method.ReturnType.Name}, not {typeof(TResult).Name}.", nameof(target));
        }
    }

    /// <summary>What the target returned.</summary>
    /// <exception cref="InvalidOperationException">The process has not exited yet (join it first), or it exited without a result (it failed, was terminated, or exited early); the message gives its exit code.</exception>
    public TResult Result
    {
        get
        {
            if (ExitCode is not { } code)
            {
                throw new InvalidOperationException("The process has not finished; call Join first.");
            }
            return Volatile.Read(ref _hasResult) == 1
                ? _result!
                : throw new InvalidOperationException($"The process exited with code {code} without returning a result (its standard error says why).");
        }
    }

    private protected override (string? Address, string? Key, Func<Task>? Read) OpenResultChannel()
    {
        string address = $"actors-result-{Environment.ProcessId}-{Guid.NewGuid():N}";
        byte[] key = RandomNumberGenerator.GetBytes(32);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + address)); // abstract: no file to leave behind
        listener.Listen(1);
        _listener = listener;
        return (address, Convert.ToHexString(key), () => ReadAsync(listener, key));
    }

    private async Task ReadAsync(Socket listener, byte[] key)
    {
        try
        {
            using Socket connection = await listener.AcceptAsync().ConfigureAwait(false);
            byte[] header = new byte[key.Length + 4];
            await ReadExactlyAsync(connection, header).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(header.AsSpan(0, key.Length), key))
            {
                return; // not our child: ignored
            }
            int length = BitConverter.ToInt32(header, key.Length);
            if (length is < 0 or > MaxResultBytes)
            {
                return; // checked before anything is allocated
            }
            byte[] payload = new byte[length];
            await ReadExactlyAsync(connection, payload).ConfigureAwait(false);
            _result = (TResult?)((IPayloadSerializer)Context.Serializer).Deserialize<object?>(payload);
            Volatile.Write(ref _hasResult, 1);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or EndOfStreamException or PayloadSerializationException or InvalidCastException)
        {
            // No result: Result says the process returned none.
        }
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read)).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }
            read += n;
        }
    }

    private protected override async Task CloseResultChannelAsync(Task reading)
    {
        // The child sent its result before it exited: it is in the socket already, or it never comes.
        await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _listener?.Dispose();
        await reading.ConfigureAwait(false);
    }
}
