using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Actors.Coordination.Workers;

/// <summary>
/// How to start a worker so that it runs the app's own code: <c>dotnet exec</c> on the worker dll with
/// the app's own deps.json and runtimeconfig.json, so every assembly and package the app can load the
/// worker can load too, under <c>dotnet run</c>, <c>dotnet test</c> or a framework-dependent published app alike.
/// A self-contained or single-file app has no <c>dotnet</c> host to count on (and a single-file one no worker dll):
/// its own executable is started instead, with <see cref="Coordinator.WorkerVariable"/> set, and
/// <see cref="Coordinator.FreezeSupport"/> at the top of its <c>Main</c> turns that process into the worker.
/// </summary>
internal sealed class WorkerLaunch
{
    private readonly string _dotnet;
    private readonly string? _workerDll; // null: the app's own executable is the worker
    private readonly string? _depsFile;
    private readonly string? _runtimeConfig;
    private readonly string _address;
    private readonly string _allowed;
    private readonly LaneOptions _remote;

    private WorkerLaunch(string dotnet, string? workerDll, string? depsFile, string? runtimeConfig, string address, string allowed, LaneOptions remote)
    {
        _dotnet = dotnet;
        _workerDll = workerDll;
        _depsFile = depsFile;
        _runtimeConfig = runtimeConfig;
        _address = address;
        _allowed = allowed;
        _remote = remote;
    }

    /// <summary>Whether this app is single-file (its assemblies have no files) or self-contained (it carries its own runtime).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location is exactly how a single-file app is recognised.")]
    internal static bool AppIsItsOwnWorker =>
        typeof(WorkerLaunch).Assembly.Location.Length == 0
        || Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()) == Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);

    /// <exception cref="WorkerStartException">The worker dll or the dotnet host cannot be found.</exception>
    public static WorkerLaunch Create(CoordinatorOptions options, string address, IEnumerable<Assembly> allowed)
    {
        string allowedNames = string.Join(';', allowed.Select(a => a.GetName().Name).Distinct());
        if (options.WorkerAssemblyPath is null && AppIsItsOwnWorker && Environment.ProcessPath is { } self)
        {
            return new WorkerLaunch(self, null, null, null, address, allowedNames, options.Lane);
        }
        string workerDll = options.WorkerAssemblyPath ?? Path.Combine(AppContext.BaseDirectory, "Actors.WorkerNode.dll");
        if (!File.Exists(workerDll))
        {
            throw new WorkerStartException($"The worker executable was not found at '{workerDll}'. Reference the Actors.Coordinator package or project from the app (it brings Actors.WorkerNode.dll along), or set CoordinatorOptions.WorkerAssemblyPath.");
        }
        string? deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        string? runtimeConfig = deps is not null && deps.EndsWith(".deps.json", StringComparison.Ordinal) ? deps[..^".deps.json".Length] + ".runtimeconfig.json" : null;
        if (deps is null || !File.Exists(deps) || runtimeConfig is null || !File.Exists(runtimeConfig))
        {
            deps = null; // the worker's own deps.json and runtimeconfig.json next to its dll will do
            runtimeConfig = null;
        }
        return new WorkerLaunch(DotnetHost(), workerDll, deps, runtimeConfig, address, allowedNames, options.Lane);
    }

    public ProcessStartInfo StartInfo(string node)
    {
        var info = new ProcessStartInfo(_dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // the key travels here, never on the command line; end of file tells the worker we are gone
            RedirectStandardOutput = false, // inherited: the worker's console output appears on ours, as in Python
            RedirectStandardError = false,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        if (_workerDll is null)
        {
            info.Environment[Coordinator.WorkerVariable] = "1";
        }
        else
        {
            info.ArgumentList.Add("exec");
            if (_depsFile is not null)
            {
                info.ArgumentList.Add("--depsfile");
                info.ArgumentList.Add(_depsFile);
                info.ArgumentList.Add("--runtimeconfig");
                info.ArgumentList.Add(_runtimeConfig!);
            }
            info.ArgumentList.Add(_workerDll);
        }
        foreach ((string name, string value) in new[]
        {
            ("--connect", _address),
            ("--node", node),
            ("--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture)),
            ("--allow", _allowed),
            ("--heartbeat-ms", ((int)_remote.HeartbeatInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
            ("--heartbeat-timeout-ms", ((int)_remote.HeartbeatTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
            ("--handshake-timeout-ms", ((int)_remote.HandshakeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)),
            ("--max-message-bytes", _remote.MaxMessageSize.ToString(CultureInfo.InvariantCulture)),
        })
        {
            info.ArgumentList.Add(name);
            info.ArgumentList.Add(value);
        }
        return info;
    }

    /// <summary>The <c>dotnet</c> host that runs this process's runtime: three folders above the runtime directory.</summary>
    private static string DotnetHost()
    {
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string host = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }
}
