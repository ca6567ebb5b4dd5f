namespace Actors.Samples.Tests;

/// <summary>Each of the seed tutorials' Pool examples prints what the Python version prints.</summary>
public sealed class PoolSamplesTests
{
    private const string Dll = "Actors.Samples.PoolExamples.dll";

    private static async Task<string[]> LinesOfAsync(string example)
    {
        SampleRun run = await SampleRun.RunAsync(Dll, example);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}");
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    [Theory]
    [InlineData("squares", "[1, 4, 9, 16, 25]")]
    [InlineData("map", "First 5: [1, 4, 9, 16, 25]")]
    [InlineData("map-async", "Prime count: 6")] // what CPython prints for range(100_000, 100_100)
    [InlineData("imap", "0 1 4 9 16 25 36 49 64 81")]
    [InlineData("starmap", "Powers: [1024, 243, 64]")]
    [InlineData("exercise-3", "[1, 8, 27, 64, 125]")]
    public async Task Example_PrintsWhatThePythonVersionPrints(string example, string expected) =>
        Assert.Equal([expected], await LinesOfAsync(example));

    [Fact]
    public async Task Primes_OverLargeNumbers_AsThePythonVersion()
    {
        string[] lines = await LinesOfAsync("primes");
        Assert.Equal($"CPU cores available: {Environment.ProcessorCount}", lines[0]);
        Assert.Equal(["10000019 prime? True", "10000033 prime? False", "10000079 prime? True", "10000081 prime? False"], lines[1..5]);
        Assert.Matches(@"^Completed in \d+\.\d{3} seconds using multiprocessing$", lines[5]);
    }

    [Fact]
    public async Task CpuCount_AndTheSequentialVersusPoolComparison()
    {
        Assert.Equal([$"CPU cores available: {Environment.ProcessorCount}"], await LinesOfAsync("cpu-count"));
        string[] lines = await LinesOfAsync("sequential-vs-pool");
        Assert.Equal("same results: True", lines[0]);
        Assert.Matches(@"^Sequential: \d+\.\d\ds, Parallel: \d+\.\d\ds$", lines[1]);
        Assert.Matches(@"^Speedup: \d+\.\dx$", lines[2]);
    }
}
