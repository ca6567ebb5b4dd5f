using System.Globalization;

namespace Actors.Runtime.SharedMemory;

/// <summary>
/// Where this process tree's shared segments live, and who removes them. The first process that needs one (the app,
/// which embeds the coordinator) makes <c>/dev/shm/actors-PID-NONCE/</c> and names it in <see cref="Variable"/>, which
/// every worker and child process it starts inherits. Internal segments (locks, values, queues, pipes) are files in it;
/// a named <c>SharedMemory</c> is a file of its own in <c>/dev/shm</c>, as CPython's is, with a link to it here. The root
/// removes the directory (and what the links point at) when it exits; if it is killed with SIGKILL, the last of its workers or
/// children to exit does (<see cref="Adopt"/>), and the next root started on this machine removes
/// what a tree killed whole left (<see cref="Sweep"/>). Removing a file never breaks a process that still maps it.
/// Process-wide by nature (one tree, one directory), so this is static.
/// </summary>
internal static class Session
{
    /// <summary>The environment variable that hands the directory to worker and child processes.</summary>
    public const string Variable = "ACTORS_SHM_SESSION";

    /// <summary>The folder that holds every segment (tmpfs on Linux).</summary>
    public const string Root = "/dev/shm";

    private const string Prefix = "actors-";
    private const string LinkPrefix = "named-";

    private static readonly Lazy<string> Current = new(Open, LazyThreadSafetyMode.ExecutionAndPublication);

    // Set once, by a worker or child process at start (Adopt): only those join the session they inherit. Any other
    // program (an app started by an app, which inherits its environment) is a root of its own.
    private static volatile string? _adopted;

    /// <summary>The session this worker or child process inherited (<see cref="Adopt"/>), or null.</summary>
    public static string? Adopted => _adopted;

    /// <summary>The session directory, made on first use.</summary>
    public static string Directory => Current.Value;

    /// <summary>A fresh path for an internal segment of <paramref name="kind"/> in the session directory.</summary>
    public static string NewPath(string kind) => Path.Combine(Directory, $"{kind}-{Guid.NewGuid():N}");

    /// <summary>Whether <paramref name="path"/> names an internal segment of some session (a handle from a peer is checked with it).</summary>
    public static bool IsInternalPath(string path) =>
        path.StartsWith(Root + "/" + Prefix, StringComparison.Ordinal) && !path.Contains("..", StringComparison.Ordinal)
        && path.Count(c => c == '/') == 4;

    /// <summary>Records a named segment this process created, so the session removes it if nobody unlinks it.</summary>
    public static void TrackNamed(string path)
    {
        string link = Path.Combine(Directory, LinkPrefix + Path.GetFileName(path));
        try
        {
            File.CreateSymbolicLink(link, path);
        }
        catch (IOException)
        {
            // already tracked (a name reused after an unlink)
        }
    }

    /// <summary>Forgets a named segment that was unlinked.</summary>
    public static void ForgetNamed(string path)
    {
        if (Current.IsValueCreated || _adopted is not null)
        {
            File.Delete(Path.Combine(Directory, LinkPrefix + Path.GetFileName(path)));
        }
    }

    /// <summary>
    /// Called once by a worker or child process at start: when it exits (for any reason but SIGKILL), it removes the
    /// session it inherited if the session's root is gone, which is how a root killed with SIGKILL is cleaned up after:
    /// its workers and daemon children exit when their standard input closes.
    /// </summary>
    public static void Adopt()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { } inherited && IsSessionPath(inherited) && RootPid(inherited) is { } pid && pid != Environment.ProcessId)
        {
            _adopted = inherited;
            Hosting.ExitHooks.Add(() =>
            {
                if (!Posix.IsRunning(pid))
                {
                    Remove(inherited);
                }
            });
        }
    }

    /// <summary>Removes the sessions of roots that are no longer alive (a tree killed whole, with no child left to clean up).</summary>
    public static void Sweep()
    {
        foreach (string directory in System.IO.Directory.EnumerateDirectories(Root, Prefix + "*"))
        {
            if (RootPid(directory) is { } pid && pid != Environment.ProcessId && !Posix.IsRunning(pid))
            {
                Remove(directory);
            }
        }
    }

    private static string Open()
    {
        if (_adopted is { } inherited && System.IO.Directory.Exists(inherited))
        {
            return inherited;
        }
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("cross-process objects need Linux shared memory (/dev/shm)");
        }
        Sweep();
        string directory = Path.Combine(Root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Environment.SetEnvironmentVariable(Variable, directory);
        Hosting.ExitHooks.Add(() => Remove(directory));
        return directory;
    }

    private static bool IsSessionPath(string path) =>
        path.StartsWith(Root + "/" + Prefix, StringComparison.Ordinal) && !path.Contains("..", StringComparison.Ordinal) && path.Count(c => c == '/') == 3;

    private static int? RootPid(string directory)
    {
        string name = Path.GetFileName(directory);
        int dash = name.IndexOf('-', Prefix.Length);
        return dash > Prefix.Length && int.TryParse(name.AsSpan(Prefix.Length, dash - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private static void Remove(string directory)
    {
        try
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(directory))
            {
                if (Path.GetFileName(file).StartsWith(LinkPrefix, StringComparison.Ordinal) && new FileInfo(file).LinkTarget is { } target
                    && Path.GetDirectoryName(target) == Root)
                {
                    File.Delete(target);
                }
                File.Delete(file);
            }
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // another process of the tree is removing it too
        }
        catch (UnauthorizedAccessException)
        {
            // not ours
        }
    }
}
