using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Actors.Bench;

/// <summary>
/// Added latency between separate network hosts, where the kernel has no <c>netem</c>: run inside a host's namespace
/// (<c>Actors.Bench --delay-proxy PORT MICROSECONDS</c>), with an nftables rule there that redirects the host's connections
/// to the coordinator to this port. Each connection is relayed to its original destination (<c>SO_ORIGINAL_DST</c>, so
/// Akka's addresses are untouched), every chunk of bytes held back <c>MICROSECONDS</c> in each direction; the relay's own
/// connections carry mark 1, which the rule lets through.
/// </summary>
internal static class DelayProxy
{
    public const string Argument = "--delay-proxy";
    public const int Mark = 1;

    public static async Task<int> RunAsync(int port, int microseconds)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(64);
        Console.WriteLine("ready");
        while (true)
        {
            Socket client = await listener.AcceptAsync().ConfigureAwait(false);
            _ = Task.Run(() => Serve(client, microseconds));
        }
    }

    private static void Serve(Socket client, int microseconds)
    {
        byte[] original = new byte[16];
        client.GetRawSocketOption(0 /* SOL_IP */, 80 /* SO_ORIGINAL_DST */, original);
        var destination = new IPEndPoint(new IPAddress(original.AsSpan(4, 4)), (original[2] << 8) | original[3]);
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        upstream.SetRawSocketOption(1 /* SOL_SOCKET */, 36 /* SO_MARK */, BitConverter.GetBytes(Mark));
        client.NoDelay = true;
        try
        {
            upstream.Connect(destination);
        }
        catch (SocketException)
        {
            client.Dispose();
            upstream.Dispose();
            return;
        }
        Relay(client, upstream, microseconds);
        Relay(upstream, client, microseconds);
    }

    /// <summary>One direction: a reader thread stamps each chunk, a writer thread sends it once its delay is over.</summary>
    private static void Relay(Socket from, Socket to, int microseconds)
    {
        var line = new BlockingCollection<(long Due, byte[] Data, int Length)>();
        long delay = microseconds * Stopwatch.Frequency / 1_000_000;
        new Thread(() =>
        {
            try
            {
                while (true)
                {
                    byte[] buffer = new byte[64 * 1024];
                    int read = from.Receive(buffer);
                    line.Add((Stopwatch.GetTimestamp() + delay, buffer, read));
                    if (read == 0)
                    {
                        return;
                    }
                }
            }
            catch (SocketException)
            {
                line.Add((0, [], 0));
            }
            catch (ObjectDisposedException)
            {
                line.Add((0, [], 0));
            }
        }) { IsBackground = true }.Start();
        new Thread(() =>
        {
            foreach ((long due, byte[] data, int length) in line.GetConsumingEnumerable())
            {
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    Sleep(wait * 1_000_000_000 / Stopwatch.Frequency);
                }
                try
                {
                    if (length == 0)
                    {
                        to.Shutdown(SocketShutdown.Send);
                        return;
                    }
                    to.Send(data.AsSpan(0, length));
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        }) { IsBackground = true }.Start();
    }

    private static void Sleep(long nanoseconds)
    {
        var time = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        _ = clock_nanosleep(1 /* CLOCK_MONOTONIC */, 0, ref time, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int clock_nanosleep(int clock, int flags, ref Timespec request, IntPtr remain);
}
