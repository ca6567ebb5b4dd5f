using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Actors.Coordination.Workers;

/// <summary>
/// How to start a child of this app (a worker, or a <see cref="ChildProcess"/>) so that it runs the app's own code:
/// <c>dotnet exec</c> on <c>Actors.WorkerNode.dll</c> with the app's own deps.json and runtimeconfig.json, so every
/// assembly and package the app can load the child can load too, under <c>dotnet run</c>, <c>dotnet test</c> or a
/// framework-dependent published app alike. A self-contained or single-file app has no <c>dotnet</c> host to count on
/// (and a single-file one no worker dll): its own executable is started instead, with
/// <see cref="Coordinator.WorkerVariable"/> set, and <see cref="Coordinator.FreezeSupport"/> at the top of its
/// <c>Main</c> turns that process into the child.
/// </summary>
internal sealed class ChildLaunch
{
    private readonly string _program;
    private readonly string? _workerDll; // null: the app's own executable is the child
    private readonly string? _depsFile;
    private readonly string? _runtimeConfig;

    private ChildLaunch(string program, string? workerDll, string? depsFile, string? runtimeConfig)
    {
        _program = program;
        _workerDll = workerDll;
        _depsFile = depsFile;
        _runtimeConfig = runtimeConfig;
    }

    /// <summary>Whether this app is single-file (its assemblies have no files) or self-contained (it carries its own runtime).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty location is exactly how a single-file app is recognised.")]
    internal static bool AppIsItsOwnWorker =>
        typeof(ChildLaunch).Assembly.Location.Length == 0
        || Path.TrimEndingDirectorySeparator(RuntimeEnvironment.GetRuntimeDirectory()) == Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);

    /// <param name="workerAssemblyPath">The worker dll to run, or null for the one beside the app (see <see cref="CoordinatorOptions.WorkerAssemblyPath"/>).</param>
    /// <exception cref="WorkerStartException">The worker dll cannot be found.</exception>
    public static ChildLaunch Create(string? workerAssemblyPath)
    {
        if (workerAssemblyPath is null && AppIsItsOwnWorker && Environment.ProcessPath is { } self)
        {
            return new ChildLaunch(self, null, null, null);
        }
        string workerDll = workerAssemblyPath ?? Path.Combine(AppContext.BaseDirectory, "Actors.WorkerNode.dll");
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
        return new ChildLaunch(Actors.Runtime.Hosting.DotnetHost.Path, workerDll, deps, runtimeConfig);
    }

    /// <summary>The file names of the app's deps.json and runtimeconfig.json that children run with, if any: a host agent on another machine looks for them in its own directory.</summary>
    public (string? DepsFile, string? RuntimeConfig) AppFiles => (Path.GetFileName(_depsFile), Path.GetFileName(_runtimeConfig));

    /// <summary>
    /// Standard input redirected (the bootstrap travels there, never on the command line; end of file tells the child its
    /// parent is gone); standard output and error inherited: the child's console output appears on ours, as in Python.
    /// </summary>
    public ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(_program)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        // The shared-memory session: the child's locks, queues and segments live there, and it cleans up if we are killed.
        info.Environment[Actors.Runtime.SharedMemory.Session.Variable] = Actors.Runtime.SharedMemory.Session.Directory;
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
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }
}
