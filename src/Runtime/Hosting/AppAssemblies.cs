using System.Reflection;

namespace Actors.Runtime.Hosting;

/// <summary>Loads, in a worker or a child process, the app assemblies its parent named (a <c>TrustAssemblies</c> or a process bootstrap).</summary>
internal static class AppAssemblies
{
    // Process-wide by nature: the app assemblies this process was told to trust, for the serializers that are not any
    // one pool's or actor system's (queues and pipes decode items here with the same trust).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Assembly, bool> Told = new();

    private static int _version;

    /// <summary>Every app assembly this process has loaded because its parent named it (a snapshot).</summary>
    public static ICollection<Assembly> Trusted => Told.Keys;

    /// <summary>Changes whenever <see cref="Trusted"/> grows: a cheap check before taking a snapshot.</summary>
    public static int Version => Volatile.Read(ref _version);

    /// <summary>
    /// Each assembly by name first (the process runs with the app's own deps.json, so what the app loads by name it loads
    /// too), else from the file the parent loaded it from. One that cannot be loaded is reported on standard error and
    /// left out: the messages that need it then fail to decode, each with its own error, and the process goes on.
    /// </summary>
    public static List<Assembly> Load(string[] names, string[] locations)
    {
        var loaded = new List<Assembly>();
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i];
            try
            {
                loaded.Add(AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name)
                    ?? LoadByName(name) ?? System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(locations[i]));
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException or IndexOutOfRangeException)
            {
                Console.Error.WriteLine($"Actors {Environment.ProcessId}: cannot load the app's assembly '{name}' that a call uses: {ex.Message}");
            }
        }
        foreach (Assembly assembly in loaded)
        {
            if (Told.TryAdd(assembly, true))
            {
                Interlocked.Increment(ref _version);
            }
        }
        return loaded;
    }

    private static Assembly? LoadByName(string name)
    {
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
