using Actors;
using Actors.Samples.PoolExamples;

// The seed tutorials' Pool examples: `dotnet run --project samples/PoolExamples -- squares`, or no name for all of them.
// Pool workers run only the tasks, never this code (Python needs `if __name__ == "__main__":` for that).
Coordinator.FreezeSupport();
return Actors.Samples.ExampleMenu.Run(args, Examples.All);
