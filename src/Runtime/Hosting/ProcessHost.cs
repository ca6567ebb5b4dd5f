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

    /// <remarks>
    /// Synchronous from end to end: a child has one thing to do, and each await on its way (with its generic state machine
    /// for the result) was code compiled on first use, about 2 ms of every warm start.
    /// </remarks>
    public static int Run(string[] args)
    {
        (int code, bool warm) = RunTarget(args);
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

    private static (int Code, bool Warm) RunTarget(string[] args)
    {
        SharedMemory.Session.Adopt();
        int parentPid = args.Length > 2 && args[1] == "--parent-pid" && int.TryParse(args[2], out int pid) ? pid : 0;
        WorkerHost.Trace("process up");
        var serializer = new PayloadSerializer();
        WorkerHost.Trace("serializer ready");
        if (args.Contains(StandbyArgument))
        {
            // A standby has time now that a started child would not: spend it on what every child does.
            int preload = Array.IndexOf(args, PreloadArgument);
            Prepare(serializer, preload >= 0 && preload + 1 < args.Length ? args[preload + 1].Split(';', StringSplitOptions.RemoveEmptyEntries) : []);
            WorkerHost.Trace("standby ready");
        }
        using var input = new StandardInput();
        string? line = input.ReadLine();
        WorkerHost.Trace("line read");
        ProcessBootstrap? bootstrap = ProcessBootstrap.Parse(line);
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
            Console.Error.WriteLine($"Process {bootstrap.Name}:{Environment.NewLine}{ex}");
            Console.Error.Flush();
            Console.Out.Flush();
            return (ExitFailed, warm);
        }
        Console.Out.Flush();
        if (bootstrap.ResultAddress is { } address && bootstrap.ResultKey is { } key)
        {
            SendResult(address, Convert.FromHexString(key), serializer, result);
        }
        return (0, warm);
    }

    /// <summary>The warm start method's name (Multiprocessing.Warm).</summary>
    public const string WarmMethod = "warm";

    /// <summary>Marks a warm start method's standby child, which prepares itself before it waits for its bootstrap.</summary>
    public const string StandbyArgument = "--standby";

    /// <summary>Followed by the names (separated by ';') of the assemblies a standby loads in advance: the product's and the app's entry assembly.</summary>
    public const string PreloadArgument = "--preload";

    /// <summary>
    /// Runs once what every child runs for its target (reading a bootstrap, decoding a target, resolving and invoking a
    /// method), so that its code is compiled before the real bootstrap arrives; then loads the <paramref name="preload"/>
    /// assemblies (the app's own, whose target is coming, and the product's) and runs their <see cref="IStandbyPreparation"/>.
    /// </summary>
    private static void Prepare(PayloadSerializer serializer, string[] preload)
    {
        MethodInfo probe = typeof(ProcessHost).GetMethod(nameof(Probe), BindingFlags.NonPublic | BindingFlags.Static)!;
        var function = TaskFunction.From(probe.CreateDelegate<Func<int, string, int>>(), serializer);
        byte[] payload = ((IPayloadSerializer)serializer).Serialize(new ProcessTarget(function, [1, "probe"]));
        string line = new ProcessBootstrap("probe", "probe", false, WarmMethod, [], [], payload, null, null).ToLine();
        (ProcessTarget target, MethodInfo method) = Decode(ProcessBootstrap.Parse(line)!, serializer);
        Invoke(method, null, target.Arguments);
        // What every child does at its end: flush the console (its writers are made on first use), ask whether its
        // parent still runs (the session's exit function reads /proc), and call _exit (a call into native code has its
        // stub made on first use). Together 3-4 ms cold.
        Console.Out.Flush();
        Console.Error.Flush();
        _ = SharedMemory.Posix.IsRunning(Environment.ProcessId);
        System.Runtime.InteropServices.Marshal.PrelinkAll(typeof(SharedMemory.Posix));
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
        foreach (string name in preload)
        {
            Assembly assembly;
            try
            {
                assembly = Assembly.Load(new AssemblyName(name));
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
            {
                continue; // not loadable here (a test host's entry assembly, say): the target loads what it needs itself
            }
            try
            {
                if (assembly.GetCustomAttribute<StandbyPreparationAttribute>() is { } preparation)
                {
                    ((IStandbyPreparation)Activator.CreateInstance(preparation.Type)!).Prepare();
                }
            }
#pragma warning disable CA1031 // a rehearsal that fails costs only the warm-up: the child meets any real problem itself, with its target
            catch (Exception)
#pragma warning restore CA1031
            {
            }
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
    private static void SendResult(string address, byte[] key, PayloadSerializer serializer, object? result)
    {
        byte[] payload = ((IPayloadSerializer)serializer).Serialize<object?>(result);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint("\0" + address));
        byte[] header = new byte[key.Length + 4];
        key.CopyTo(header, 0);
        BitConverter.TryWriteBytes(header.AsSpan(key.Length), payload.Length);
        socket.Send(header); // a blocking stream socket's Send returns once every byte is sent
        socket.Send(payload);
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>A daemon child ends with its parent: the parent holds our standard input open for its whole life.</summary>
    private static async Task ExitWhenParentGoesAsync(StandardInput input)
    {
        await input.ClosedAsync().ConfigureAwait(false);
        Environment.Exit(ExitFailed);
    }
}
