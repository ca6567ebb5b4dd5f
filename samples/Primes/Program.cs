using System.CommandLine;
using Actors;
using Actors.Samples;

Coordinator.FreezeSupport(); // in a self-contained or single-file publish, the workers are this executable: this runs them

// The main job: the CPython anchor's primes workload (trial division over consecutive integers), timed three ways
// in one run: sequentially in this process, on threads in this process (the machine's in-process ceiling), and on
// the Pool's worker processes. The anchor starts at 1e11, which C# finishes in about 40 ms (CPython: 0.7 s), too
// little to show anything but coordination, so the job starts at 1e13 by default: about a second of real work.
var from = new Option<long>("--from") { Description = "The first number to test.", DefaultValueFactory = _ => 10_000_000_000_000 };
Check(from, value => value < 2 ? "--from must be at least 2." : null);
var count = new Option<int>("--count") { Description = $"How many consecutive numbers to test (1 to {PrimesJob.MaxCount:N0}).", DefaultValueFactory = _ => 2000 };
Check(count, value => value is < 1 or > PrimesJob.MaxCount ? $"--count must be between 1 and {PrimesJob.MaxCount:N0}; it was {value}." : null);
var processes = new Option<int?>("--processes") { Description = "Worker processes in the pool (default: one per core)." };
Check(processes, value => value is < 1 or > 1024 ? "--processes must be between 1 and 1024." : null);
var rounds = new Option<int>("--rounds") { Description = "Timed rounds of each way; the medians are reported.", DefaultValueFactory = _ => 3 };
Check(rounds, value => value is < 1 or > 100 ? "--rounds must be between 1 and 100." : null);

var root = new RootCommand("Tests numbers for primality sequentially, on threads, and on the Pool's worker processes, and compares the times.")
{
    from, count, processes, rounds,
};
root.SetAction((parse, cancellationToken) => PrimesJob.RunAsync(
    new PrimesJob.Settings(parse.GetValue(from), parse.GetValue(count), parse.GetValue(processes), parse.GetValue(rounds)), Console.Out, cancellationToken));

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // A usage error is exit code 2, as for Python's argparse; nothing is ignored.
    foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
    {
        Console.Error.WriteLine($"error: {error.Message}");
    }
    Console.Error.WriteLine("Run with --help to see the options.");
    return 2;
}
return await parsed.InvokeAsync();

// A range rule for an option; a value that did not even parse (--count abc, --count 3000000000) is already an error.
static void Check<T>(Option<T> option, Func<T, string?> rule) => option.Validators.Add(result =>
{
    if (result.Tokens.Count > 0 && result.Errors.Any())
    {
        return;
    }
    try
    {
        if (rule(result.GetValueOrDefault<T>()) is { } error)
        {
            result.AddError(error);
        }
    }
    catch (InvalidOperationException)
    {
        // not a number of that type: the parser reports it
    }
});
