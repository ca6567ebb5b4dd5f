using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Cluster;

/// <summary><c>Actors.WorkerNode host</c>'s command line: help, and usage errors with exit code 2 that say what is missing.</summary>
public sealed class HostCommandTests
{
    private static async Task<(int Code, string Output)> RunAsync(IDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(Runtime.Hosting.DotnetHost.Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Actors.WorkerNode.dll"));
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(30)));
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task Help_lists_every_setting()
    {
        (int code, string output) = await RunAsync(null, "host", "--help");
        Assert.Equal(0, code);
        foreach (string option in new[] { "--join", "--hostname", "--name", "--processes", "--certificate", "--on-coordinator-lost", "--config" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Missing_settings_are_named_with_where_they_may_come_from()
    {
        (int code, string output) = await RunAsync(null, "host", "--join", "10.0.0.1:4053");
        Assert.Equal(2, code);
        Assert.Contains("--hostname is required (or ACTORS_HOSTNAME, or actors.host.hostname in --config)", output, StringComparison.Ordinal);
        Assert.Contains("--certificate is required", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--join is required", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_come_from_the_environment_and_a_missing_certificate_is_a_usage_error()
    {
        (int code, string output) = await RunAsync(new Dictionary<string, string> { ["ACTORS_JOIN"] = "10.0.0.1:4053", ["ACTORS_HOSTNAME"] = "10.0.0.2" },
            "host", "--certificate", "/nonexistent/cluster.pfx");
        Assert.Equal(2, code);
        Assert.Contains("Cannot read the cluster certificate '/nonexistent/cluster.pfx': there is no such file", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settings_come_from_a_hocon_file()
    {
        string file = Path.Combine(Path.GetTempPath(), $"actors-host-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(file, "actors.host { join = \"10.0.0.1:4053\", hostname = \"10.0.0.2\", certificate = \"/nonexistent/from-file.pfx\" }");
        try
        {
            (int code, string output) = await RunAsync(null, "host", "--config", file);
            Assert.Equal(2, code);
            Assert.Contains("'/nonexistent/from-file.pfx': there is no such file", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_bad_processes_count_or_mode_is_refused()
    {
        (int code, string output) = await RunAsync(null, "host", "--join", "a:1", "--hostname", "b", "--certificate", "c", "--on-coordinator-lost", "sometimes");
        Assert.Equal(2, code);
        Assert.Contains("sometimes", output, StringComparison.Ordinal);
        (code, output) = await RunAsync(new Dictionary<string, string> { ["ACTORS_PROCESSES"] = "0" }, "host", "--join", "a:1", "--hostname", "b", "--certificate", "c");
        Assert.Equal(2, code);
        Assert.Contains("processes must be between 1 and 1024", output, StringComparison.Ordinal);
    }
}
