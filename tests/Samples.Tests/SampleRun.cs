using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Samples.Tests;

/// <summary>What a sample printed and how it exited.</summary>
internal sealed record SampleRun(int ExitCode, string Output, string Errors)
{
    /// <summary>Runs a sample's dll (copied beside the tests) with <c>dotnet exec</c>, its output in a pipe, within a dilated timeout.</summary>
    public static async Task<SampleRun> RunAsync(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Path.GetDirectoryName(Environment.ProcessPath!)!, "dotnet"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (!File.Exists(start.FileName))
        {
            start.FileName = "dotnet";
        }
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(90)));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{dll} {string.Join(' ', arguments)} did not finish in time; it printed: {await output}");
        }
        return new SampleRun(process.ExitCode, await output, await errors);
    }
}
