using System.Net.Sockets;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Actors.Runtime.Tasks;

namespace Actors.Runtime.Hosting;

/// <summary>
/// The life of a child process (CPython's <c>Process</c> target in a process of its own): read the bootstrap from
/// standard input (a warm standby waits there, already started), trust the app's assemblies it names, run the target,
/// and exit as CPython's child does: 0 when the target returns, 1 when it throws (the exception and its stack written
/// to standard error first), or the code the target gave to <see cref="Environment.Exit"/>. No actor system is
/// started: a child that uses no actors does not pay for one. A daemon child exits when its parent goes (end of file
/// on standard input), even when the parent was killed with SIGKILL.
/// </summary>
internal static class ProcessHost
{
    public const string Argument = "--process";

    private const int ExitFailed = 1;
    private const int ExitBadBootstrap = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        (int code, bool warm) = await RunTargetAsync(args).ConfigureAwait(false);
        if (warm)
        {
            // As a forkserver child of CPython ends: the product's own exit functions, then _exit. The runtime's shutdown
            // is skipped (2-3 ms of a warm start here); so are exit handlers the target added itself, as CPython's
            // os._exit skips a forkserver child's atexit handlers.
            ExitHooks.Run();
            Console.Out.Flush();
            Console.Error.Flush();
            SharedMemory.Posix.ExitNow(code);
        }
        return code;
    }

    private static async Task<(int Code, bool Warm)> RunTargetAsync(string[] args)
    {
        SharedMemory.Session.Adopt();
        int parentPid = args.Length > 2 && args[1] == "--parent-pid" && int.TryParse(args[2], out int pid) ? pid : 0;
        WorkerHost.Trace("process up");
        var serializer = new PayloadSerializer();
        WorkerHost.Trace("serializer ready");
        if (args.Contains(StandbyArgument))
        {
            Prepare(serializer); // a standby has time now that a started child would not: spend it on what every child does
            WorkerHost.Trace("standby ready");
        }
        using var input = new StandardInput();
        string? line = input.ReadLine();
        WorkerHost.Trace("line read");
        ProcessBootstrap? bootstrap = ProcessBootstrap.Parse(line, serializer);
        WorkerHost.Trace("bootstrap read");
        if (bootstrap is null)
        {
            // The parent closed our standard input without starting us (a standby no longer needed), or it is not a parent.
            return (ExitBadBootstrap, false);
        }
        Environment.SetEnvironmentVariable(ProcessEnvironment.Name, bootstrap.Name);
        Environment.SetEnvironmentVariable(ProcessEnvironment.ParentPid, parentPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable(ProcessEnvironment.Method, bootstrap.Method);
        Environment.SetEnvironmentVariable(ProcessEnvironment.ParentName, bootstrap.ParentName);
        if (bootstrap.Daemon)
        {
            _ = ExitWhenParentGoesAsync(input);
        }
        bool warm = bootstrap.Method == WarmMethod;
        object? result;
        try
        {
            (ProcessTarget target, MethodInfo method) = Decode(bootstrap, serializer);
            WorkerHost.Trace("target decoded");
            result = Invoke(method, target.Function.Target, target.Arguments);
            WorkerHost.Trace("target returned");
        }
        catch (Exception ex)
        {
            // CPython prints "Process NAME:" and the traceback to the child's stderr, flushed before it exits with 1.
            await Console.Error.WriteLineAsync($"Process {bootstrap.Name}:{Environment.NewLine}{ex}").ConfigureAwait(false);
            await Console.Error.FlushAsync().ConfigureAwait(false);
            await Console.Out.FlushAsync().ConfigureAwait(false);
            return (ExitFailed, warm);
        }
        await Console.Out.FlushAsync().ConfigureAwait(false);
        if (bootstrap.ResultAddress is { } address && bootstrap.ResultKey is { } key)
        {
            await SendResultAsync(address, Convert.FromHexString(key), serializer, result).ConfigureAwait(false);
        }
        return (0, warm);
    }

    /// <summary>The warm start method's name (Multiprocessing.Warm).</summary>
    public const string WarmMethod = "warm";

    /// <summary>Marks a warm start method's standby child, which prepares itself before it waits for its bootstrap.</summary>
    public const string StandbyArgument = "--standby";

    /// <summary>
    /// Runs once what every child runs for its target (reading a bootstrap, decoding a target, resolving and invoking a
    /// method), so that its code is compiled before the real bootstrap arrives.
    /// </summary>
    private static void Prepare(PayloadSerializer serializer)
    {
        MethodInfo probe = typeof(ProcessHost).GetMethod(nameof(Probe), BindingFlags.NonPublic | BindingFlags.Static)!;
        var function = TaskFunction.From(probe.CreateDelegate<Func<int, string, int>>(), serializer);
        byte[] payload = ((IPayloadSerializer)serializer).Serialize(new ProcessTarget(function, [1, "probe"]));
        string line = new ProcessBootstrap("probe", "probe", false, WarmMethod, [], [], payload, null, null).ToLine(serializer);
        (ProcessTarget target, MethodInfo method) = Decode(ProcessBootstrap.Parse(line, serializer)!, serializer);
        Invoke(method, null, target.Arguments);
        if (SharedMemory.Session.Adopted is { } session && Directory.Exists(session))
        {
            // What a child's first use of shared memory runs (opening a file, mapping it): .NET's file and mapping code
            // loads and initializes once per process, 3-4 ms cold, spent here instead of in the target.
            string segment = Path.Combine(session, $"probe-{Environment.ProcessId}");
            using (SharedMemory.Segment.Create(segment, 4096))
            using (SharedMemory.Segment.Attach(segment))
            {
            }
            SharedMemory.Segment.Unlink(segment);
        }
    }

    /// <summary>The target a bootstrap carries, decoded with the app assemblies it names trusted, and its method.</summary>
    private static (ProcessTarget Target, MethodInfo Method) Decode(ProcessBootstrap bootstrap, PayloadSerializer serializer)
    {
        serializer.Trust(AppAssemblies.Load(bootstrap.TrustNames, bootstrap.TrustLocations));
        ProcessTarget target;
        Serialization.ProcessShared.Claiming = true; // the shared objects in our arguments were reserved for us by the parent
        try
        {
            target = (ProcessTarget)serializer.Deserialize(bootstrap.Target, typeof(ProcessTarget))!;
        }
        finally
        {
            Serialization.ProcessShared.Claiming = false;
        }
        return (target, target.Function.Resolve(serializer.TrustedAssemblies)); // this assembly (the probe's) is always among them
    }

    private static int Probe(int number, string text) => number + text.Length;

    private static object? Invoke(MethodInfo method, object? target, object?[] arguments)
    {
        try
        {
            return method.Invoke(method.IsStatic ? null : target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    /// <summary>A typed target's result, to the parent's socket: the key, the length, the payload.</summary>
    private static async Task SendResultAsync(string address, byte[] key, PayloadSerializer serializer, object? result)
    {
        byte[] payload = ((IPayloadSerializer)serializer).Serialize<object?>(result);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint("\0" + address)).ConfigureAwait(false);
        byte[] header = new byte[key.Length + 4];
        key.CopyTo(header, 0);
        BitConverter.TryWriteBytes(header.AsSpan(key.Length), payload.Length);
        await socket.SendAsync(header).ConfigureAwait(false);
        await socket.SendAsync(payload).ConfigureAwait(false);
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>A daemon child ends with its parent: the parent holds our standard input open for its whole life.</summary>
    private static async Task ExitWhenParentGoesAsync(StandardInput input)
    {
        await input.ClosedAsync().ConfigureAwait(false);
        Environment.Exit(ExitFailed);
    }
}
