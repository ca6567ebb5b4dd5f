using System.Runtime.InteropServices;

namespace Actors.Runtime.Hosting;

/// <summary>The <c>dotnet</c> host that runs this process's runtime, which runs the worker dll in children.</summary>
internal static class DotnetHost
{
    /// <summary>Three folders above the runtime directory; <c>dotnet</c> on the PATH if it is not there.</summary>
    public static string Path
    {
        get
        {
            string root = System.IO.Path.GetFullPath(System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
            string host = System.IO.Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            return File.Exists(host) ? host : "dotnet";
        }
    }
}
