namespace Actors.Samples.Tests;

/// <summary>Each of the seed tutorials' queue, pipe and shared-state examples prints what the Python version prints (interleaved lines in any order).</summary>
public sealed class SharedStateSamplesTests
{
    private const string Dll = "Actors.Samples.SharedState.dll";

    [Theory]
    [InlineData("queue-squares", new[] { "1 squared is 1", "2 squared is 4", "3 squared is 9", "4 squared is 16", "5 squared is 25", "Done reading from queue" })]
    [InlineData("double", new[] { "Doubled number: 20" })]
    [InlineData("compute", new[] { "Result: 1249999975000000" })]
    [InlineData("pipe", new[] { "[Worker] Received: hello world", "[Main] Response: Processed: HELLO WORLD" })]
    [InlineData("counter", new[] { "Counter: 4000" })]
    [InlineData("array", new[] { "arr[0]: 1, arr[50]: 51" })]
    [InlineData("shared-memory", new[] { "Shared memory sum: 4950" })]
    [InlineData("value", new[] { "2" })]
    [InlineData("exercise-4", new[] { "Final value: 2" })]
    [InlineData("log-queue", new[]
    {
        "log file: 8 lines, written by one process",
        "INFO worker: item 1 squared is 1", "INFO worker: item 2 squared is 4", "INFO worker: item 3 squared is 9", "INFO worker: item 4 squared is 16",
        "INFO worker: item 5 squared is 25", "INFO worker: item 6 squared is 36", "WARNING worker: item 3 is a multiple of 3", "WARNING worker: item 6 is a multiple of 3",
    })]
    public async Task Example_PrintsWhatThePythonVersionPrints(string example, string[] expected)
    {
        SampleRun run = await SampleRun.RunAsync(Dll, example);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}");
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ProducerConsumer_EveryItemIsConsumedOnce_ByTwoConsumers()
    {
        SampleRun run = await SampleRun.RunAsync(Dll, "producer-consumer");
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}");
        string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"item-{i}").Order(StringComparer.Ordinal), lines.Select(l => l.Split("] ")[1]).Order(StringComparer.Ordinal));
        Assert.All(lines, l => Assert.Matches(@"^\[Consumer-[01]\] item-\d$", l));
    }
}
