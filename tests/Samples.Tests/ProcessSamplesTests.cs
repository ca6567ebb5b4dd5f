namespace Actors.Samples.Tests;

/// <summary>Each of the seed tutorials' Process examples prints what the Python version prints (interleaved lines in any order).</summary>
public sealed class ProcessSamplesTests
{
    private const string Dll = "Actors.Samples.Processes.dll";

    [Theory]
    [InlineData("greet", new[] { "Hello from a process!" })]
    [InlineData("args", new[] { "Message: Running..." })]
    [InlineData("several", new[] { "Task number: 0", "Task number: 1", "Task number: 2", "Task number: 3", "Task number: 4" })]
    [InlineData("say-hello", new[] { "Hello from Lucia!", "Hello from Cherish!", "Hello from Stephen!", "Hello from Mary!" })]
    [InlineData("squares", new[] { "Squaring 1", "Squaring 2", "Squaring 3", "Squaring 4", "1 squared is 1", "2 squared is 4", "3 squared is 9", "4 squared is 16" })]
    [InlineData("workers", new[] { "[Process-1] starting work", "[Process-2] starting work", "[Process-1] finished after 2 seconds", "[Process-2] finished after 3 seconds", "All processes completed" })]
    [InlineData("double", new[] { "Doubled number: 20" })]
    [InlineData("spawn-context", new[] { "Hello from Samantha!" })]
    [InlineData("main", new[] { "Greetings from George!" })]
    [InlineData("exercise-1", new[] { "1", "2", "3", "4", "5" })]
    [InlineData("exercise-2", new[] { "Process ID: 0", "Process ID: 1", "Process ID: 2" })]
    public async Task Example_PrintsWhatThePythonVersionPrints(string example, string[] expected)
    {
        SampleRun run = await SampleRun.RunAsync(Dll, example);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}");
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
        if (example == "workers")
        {
            Assert.Equal("All processes completed", lines[^1]); // after both joins
        }
    }

    [Fact]
    public async Task Pids_EachChildHasItsOwnPid_ExitCodesZero()
    {
        SampleRun run = await SampleRun.RunAsync(Dll, "pids");
        Assert.Equal(0, run.ExitCode);
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string main = lines.Single(l => l.StartsWith("Main PID: ", StringComparison.Ordinal))[10..];
        string[] children = [.. lines.Where(l => l.StartsWith("[P", StringComparison.Ordinal)).Select(l => l.Split("PID=")[1].Split(' ')[0]).Distinct()];
        Assert.Equal(2, children.Length);
        Assert.DoesNotContain(main, children);
        Assert.Contains("p1 exit code: 0", lines);
        Assert.Contains("p2 exit code: 0", lines);
    }
}
