using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Samples.Tests;

/// <summary>
/// The main job published as users publish apps, self-contained and as a single file, and run from another directory
/// with no <c>dotnet</c> on the PATH: its workers are its own executable (<c>Coordinator.FreezeSupport</c>).
/// </summary>
public sealed class PublishTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PublishedSelfContained_RunsFromAnotherDirectory_WithoutADotnetHost(bool singleFile)
    {
        string output = Path.Combine(Path.GetTempPath(), $"actors-publish-{Guid.NewGuid():N}");
        string elsewhere = Directory.CreateTempSubdirectory("actors-cwd-").FullName;
        try
        {
            string project = Path.Combine(RepositoryRoot(), "samples", "Primes", "Actors.Samples.Primes.csproj");
            List<string> publish = ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", output, "-nologo"];
            if (singleFile)
            {
                publish.Add("-p:PublishSingleFile=true");
            }
            (int published, string log) = await RunAsync(Dotnet(), publish, RepositoryRoot(), TimeSpan.FromMinutes(4), path: null);
            Assert.True(published == 0, $"dotnet publish failed ({published}):\n{log}");
            Assert.Equal(singleFile, !File.Exists(Path.Combine(output, "Actors.Samples.Primes.dll")));

            (int code, string printed) = await RunAsync(Path.Combine(output, "Actors.Samples.Primes"), ["--count", "20", "--from", "1000", "--rounds", "1"],
                elsewhere, TimeSpan.FromSeconds(90), path: "/nonexistent");
            Assert.True(code == 0, $"the published app failed ({code}):\n{printed}");
            Assert.Contains("2 worker processes", printed, StringComparison.Ordinal);
            Assert.Contains("speed-up:", printed, StringComparison.Ordinal);
            Assert.DoesNotContain("Half-close", printed, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    private static string Dotnet() => Path.Combine(Path.GetDirectoryName(Environment.ProcessPath!)!, "dotnet") is var d && File.Exists(d) ? d : "dotnet";

    /// <summary>Runs a program to its end within a dilated timeout; its standard output and error, interleaved as they come.</summary>
    private static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> arguments, string directory, TimeSpan timeout, string? path)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (path is not null)
        {
            start.Environment["PATH"] = path;
            start.Environment.Remove("DOTNET_ROOT");
        }
        using Process process = Process.Start(start)!;
        var text = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (text) text.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(TestTimes.Dilated(timeout));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {timeout}:\n{text}");
        }
        process.WaitForExit(); // drains the output events
        lock (text)
        {
            return (process.ExitCode, text.ToString());
        }
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
