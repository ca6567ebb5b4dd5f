namespace Actors.Samples.Tests;

/// <summary>The main job (<c>samples/Primes</c>) with small arguments: what it prints, and how it refuses bad ones.</summary>
public sealed class PrimesJobTests
{
    private const string Dll = "Actors.Samples.Primes.dll";

    [Fact]
    public async Task SmallRun_PrintsStartupTimingsAndSpeedups_InOrder_NoControlCodesInAPipe()
    {
        SampleRun run = await SampleRun.RunAsync(Dll, "--count", "10", "--from", "1000", "--rounds", "2", "--processes", "2");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}{run.Output}");
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int Line(string prefix) => Array.FindIndex(lines, l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.Contains("2 worker processes", lines[Line("pool start-up:")], StringComparison.Ordinal);
        Assert.Contains("1 primes", lines[Line("sequential:")], StringComparison.Ordinal); // 1009 is the one prime in 1000..1009
        Assert.True(Line("pool start-up:") < Line("sequential:"));
        Assert.True(Line("sequential:") < Line("threads:") && Line("threads:") < Line("pool:") && Line("pool:") < Line("speed-up:"));
        Assert.Contains("in-process ceiling", lines[Line("speed-up:")], StringComparison.Ordinal);
        // Every progress line is finished before the summary starts, and a pipe gets no carriage returns or escapes.
        Assert.True(Array.FindLastIndex(lines, l => l.Contains("done,", StringComparison.Ordinal)) < Line("sequential:"));
        Assert.DoesNotContain('\r', run.Output);
        Assert.DoesNotContain('\u001b', run.Output);
    }

    [Theory]
    [InlineData("--count", "-5")]
    [InlineData("--count", "abc")]
    [InlineData("--count", "0")]
    [InlineData("--count", "3000000000")]
    [InlineData("--processes", "0")]
    [InlineData("--unknown")]
    public async Task BadArguments_ClearError_ExitCode2(params string[] arguments)
    {
        SampleRun run = await SampleRun.RunAsync(Dll, arguments);
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("job:", run.Output, StringComparison.Ordinal); // nothing ran
    }

    [Fact]
    public async Task Help_ListsTheOptions()
    {
        SampleRun run = await SampleRun.RunAsync(Dll, "--help");
        Assert.Equal(0, run.ExitCode);
        foreach (string option in new[] { "--count", "--from", "--processes", "--rounds" })
        {
            Assert.Contains(option, run.Output, StringComparison.Ordinal);
        }
    }
}

/// <summary><c>bench/compare.py</c> from a clone that does not sit beside <c>shared/</c>.</summary>
public sealed class CompareScriptTests
{
    [Fact]
    public async Task WithoutTheAnchorScript_OneLineSaysWhereItLookedAndHowToPassIt_NoTraceback()
    {
        string script = Path.Combine(RepositoryRoot(), "bench", "compare.py");
        var start = new System.Diagnostics.ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--anchor");
        start.ArgumentList.Add("/nowhere/bench_mp.py");
        using System.Diagnostics.Process python = System.Diagnostics.Process.Start(start)!;
        string errors = await python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, python.ExitCode);
        Assert.DoesNotContain("Traceback", errors, StringComparison.Ordinal);
        Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/nowhere/bench_mp.py", errors, StringComparison.Ordinal);
        Assert.Contains("--anchor", errors, StringComparison.Ordinal);
    }

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
