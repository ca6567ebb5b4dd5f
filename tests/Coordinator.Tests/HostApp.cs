using System.Diagnostics;

namespace Actors.Tests.Coordination;

/// <summary>Starts tests/CoordinatorHost, an app that embeds the runtime, in a given mode, for tests that watch it from outside.</summary>
internal static class HostApp
{
    /// <param name="mode">The host's mode (see its Program.cs), or null for the default.</param>
    /// <param name="redirectErrors">Whether its standard error is captured too (then read it, or it may block).</param>
    public static Process Start(string? mode, bool redirectErrors = true)
    {
        var start = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(Environment.ProcessPath!)!, "dotnet"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = redirectErrors,
            UseShellExecute = false,
        };
        if (!File.Exists(start.FileName))
        {
            start.FileName = "dotnet";
        }
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Actors.Tests.CoordinatorHost.dll"));
        if (mode is not null)
        {
            start.ArgumentList.Add(mode);
        }
        return Process.Start(start)!;
    }
}
