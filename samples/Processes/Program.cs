using Actors;
using Actors.Samples.Processes;

// The seed tutorials' Process examples: `dotnet run --project samples/Processes -- greet`, or no name for all of them.
// As in Python's `if __name__ == "__main__":`, the children never run this: they run only their target.
Coordinator.FreezeSupport();
return Actors.Samples.ExampleMenu.Run(args, Examples.All);
