using Actors;
using Actors.Samples.PoolExamples;

// The seed tutorials' Pool examples: `dotnet run --project samples/PoolExamples -- squares`, or no name for all of them.
// Pool workers run only the tasks, never this code (Python needs `if __name__ == "__main__":` for that).
Coordinator.FreezeSupport();
if (args.Length > 1 || (args.Length == 1 && !Examples.All.Any(e => e.Name == args[0])))
{
    Console.Error.WriteLine($"error: name one example, or none for all: {string.Join(", ", Examples.All.Select(e => e.Name))}");
    return 2;
}
foreach ((string name, Action run) in Examples.All.Where(e => args.Length == 0 || e.Name == args[0]))
{
    if (args.Length == 0)
    {
        Console.WriteLine($"--- {name}");
    }
    run();
}
return 0;
