using System.Globalization;
using System.Reflection;
using Actors.Runtime.Nodes;
using Actors.Runtime.Lane;
using Actors.Runtime.Lane.Handshake;
using Actors.Runtime.Lane.Transport;
using Actors.Runtime.Serialization;

namespace Actors.Runtime.Hosting;

/// <summary>
/// The life of a worker process: read the key from standard input (never the command line), load the
/// app's allowed assemblies, connect and authenticate to the coordinator, host actors, and exit as soon
/// as the coordinator goes: end of stream on the connection, end of file on standard input, or the
/// parent process changing (the coordinator was killed and this process was re-parented).
/// </summary>
internal static class WorkerHost
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitCannotConnect = 3;
    public const int ExitCannotLoad = 4;

    /// <summary>
    /// Arguments: <c>--connect ADDRESS --node NAME --parent-pid PID [--allow A;B] [--heartbeat-ms N] [--heartbeat-timeout-ms N]</c>, and
    /// from a host agent on another machine <c>--hostname ADDRESS</c> (where Akka.Remote binds, reachable from the coordinator) and
    /// <c>--host NAME</c> (the host's name in <c>Coordinator.Workers</c>); the key arrives as one hex line on standard input.
    /// </summary>
    /// <remarks>The worker logs warnings to its console (which is the coordinator's) through its actor system's log.</remarks>
    public static async Task<int> RunAsync(string[] args)
    {
        SharedMemory.Session.Adopt();
        Dictionary<string, string> options;
        try
        {
            options = ParseArguments(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"Actors.WorkerNode: {ex.Message}").ConfigureAwait(false);
            return ExitUsage;
        }
        Trace("process up");
        using var input = new StandardInput();
        WorkerBootstrap? bootstrap = WorkerBootstrap.Parse(input.ReadLine());
        Trace("bootstrap read");
        byte[] key;
        try
        {
            key = Convert.FromHexString(bootstrap?.Key ?? "");
        }
        catch (FormatException)
        {
            key = [];
        }
        if (bootstrap is null || key.Length < 16)
        {
            await Console.Error.WriteLineAsync("Actors.WorkerNode: expected the coordinator's bootstrap (key, certificate, address) as a JSON line on standard input; a worker is started by its coordinator, not by hand.").ConfigureAwait(false);
            return ExitUsage;
        }

        Assembly[] allowed;
        try
        {
            allowed = [.. options.GetValueOrDefault("allow", "").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(n => Assembly.Load(new AssemblyName(n)))];
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            await Console.Error.WriteLineAsync($"Actors.WorkerNode: cannot load an allowed assembly of the app: {ex.Message}").ConfigureAwait(false);
            return ExitCannotLoad;
        }
        string node = options["node"];
        Environment.SetEnvironmentVariable(ProcessEnvironment.Name, node); // Multiprocessing.CurrentProcess() on a pool worker
        var lane = new LaneOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("heartbeat-ms", "1000"), CultureInfo.InvariantCulture)),
            HeartbeatTimeout = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("heartbeat-timeout-ms", "5000"), CultureInfo.InvariantCulture)),
            MaxMessageSize = int.Parse(options.GetValueOrDefault("max-message-bytes", LaneOptions.DefaultMaxMessageSize.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
            HandshakeTimeout = TimeSpan.FromMilliseconds(int.Parse(options.GetValueOrDefault("handshake-timeout-ms", "5000"), CultureInfo.InvariantCulture)),
        };
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate = NodeCertificate.Load(bootstrap.Certificate);
        Akka.Configuration.Config config = options.TryGetValue("hostname", out string? hostname)
            ? NodeSystem.BoundTo(NodeSystem.Merge(bootstrap.Config), hostname) // a host's worker, reachable from the coordinator
            : NodeSystem.Merge(bootstrap.Config);
        Akka.Actor.ActorSystem akka = NodeSystem.Start(config, certificate, new SerializerOptions { AllowedAssemblies = allowed });
        Trace("actor system up");
        try
        {
            return await HostAsync(akka, node, allowed, lane, key, input, options, new SocketTransport(certificate)).ConfigureAwait(false);
        }
        finally
        {
            // With its coordinator gone (killed: this process was re-parented) there is nobody left to flush to or say
            // goodbye to, and Akka.Remote would spend its flush-wait-on-shutdown on the dead association: a short wait.
            TimeSpan grace = ParentWatch.IsGone(ParentPid(options)) ? OrphanedGrace : TimeSpan.FromSeconds(2);
            await akka.Terminate().WaitAsync(grace).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static async Task<int> HostAsync(Akka.Actor.ActorSystem akka, string node, Assembly[] allowed, LaneOptions laneOptions, byte[] key, StandardInput input,
        Dictionary<string, string> options, SocketTransport transport)
    {
        Akka.Actor.Address coordinatorAddress;
        try
        {
            coordinatorAddress = Akka.Actor.Address.Parse(await Task.Run(input.ReadLine).ConfigureAwait(false) ?? ""); // waits for the coordinator's own actor system
        }
        catch (UriFormatException)
        {
            return ExitCannotConnect; // the coordinator stopped before its actor system was up, and closed our standard input
        }
        var hello = new WorkerHello(node, Environment.ProcessId, options.GetValueOrDefault("host", Environment.MachineName), Environment.ProcessorCount, NodeSystem.Uid(akka));
        PayloadSerializer serializer = AkkaPayloadSerializer.Of(akka);
        Akka.Actor.IActorRef agent = akka.ActorOf(Akka.Actor.Props.Create(() => new WorkerAgent(() => serializer.TrustedAssemblies, coordinatorAddress, hello)), WorkerAgent.Name);
        LaneConnection lane;
        try
        {
            lane = await LaneListener.ConnectAsync(transport, options["connect"], new NodeInfo(node, hello.Pid, hello.Host, hello.Cores), key, laneOptions,
                AkkaPayloadSerializer.Of(akka), new ActorSystemLogger(Akka.Event.Logging.GetLogger(akka, "Actors.Lane")), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"Actors.WorkerNode {node}: cannot join the coordinator at {options["connect"]}: {ex.Message}").ConfigureAwait(false);
            return ExitCannotConnect;
        }
        try
        {
            lane.Inbox = agent;
            lane.OnTrust = trust => serializer.Trust(AppAssemblies.Load(trust.Names, trust.Locations));
            lane.Start();
            Trace("lane up");
            // An actor system that ends by itself (its TLS handshake with the coordinator failed) ends the worker too.
            await Task.WhenAny(lane.Lost, input.ClosedAsync(), ParentWatch.GoneAsync(ParentPid(options)), akka.WhenTerminated).ConfigureAwait(false);
            return ExitOk;
        }
        finally
        {
            // Closing says goodbye and waits (up to a second per step) for the writer and the reader to end. With the
            // coordinator gone (killed) nobody reads the goodbye: a short wait, so no worker outlives it by more than a moment
            // even on a loaded machine (a CI run once saw a worker still alive 2 s after its coordinator's SIGKILL).
            Task closing = lane.DisposeAsync().AsTask();
            await (ParentWatch.IsGone(ParentPid(options)) ? Task.WhenAny(closing, Task.Delay(OrphanedGrace)) : closing).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// With <c>ACTORS_STARTUP_TRACE=1</c>, when each start-up step ended, in ms since the process started, and the CPU
    /// time the process had used by then (on stderr): on a machine with few cores, several processes starting at once
    /// share them, so the CPU time is what a step really costs.
    /// </summary>
    internal static void Trace(string step)
    {
        if (Environment.GetEnvironmentVariable("ACTORS_STARTUP_TRACE") == "1")
        {
            double ms = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            Console.Error.WriteLine($"worker {Environment.ProcessId}: {step} at {ms:F0} ms, cpu {Environment.CpuUsage.TotalTime.TotalMilliseconds:F0} ms");
        }
    }

    /// <summary>How long each closing step waits once the coordinator is gone (killed): nobody is left to flush to or say goodbye to.</summary>
    private static readonly TimeSpan OrphanedGrace = TimeSpan.FromMilliseconds(200);

    private static int ParentPid(Dictionary<string, string> options) => int.Parse(options["parent-pid"], CultureInfo.InvariantCulture);

    private static Dictionary<string, string> ParseArguments(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'; usage: --connect ADDRESS --node NAME --parent-pid PID [--allow A;B]");
            }
            options[args[i][2..]] = args[++i];
        }
        foreach (string required in new[] { "connect", "node", "parent-pid" })
        {
            if (!options.ContainsKey(required))
            {
                throw new ArgumentException($"--{required} is required; a worker is started by its coordinator, not by hand");
            }
        }
        return options;
    }
}
