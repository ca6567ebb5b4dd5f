using Actors;
using Actors.Samples.SharedState;

// The seed tutorials' queue, pipe and shared-state examples: `dotnet run --project samples/SharedState -- pipe`, or no name for all of them.
// As in Python's `if __name__ == "__main__":`, the children never run this: they run only their target.
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
