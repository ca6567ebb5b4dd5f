using Akka.Actor;
using Actors;
using Actors.Tests.Host;

// Starts a coordinator with two workers, has one worker print a line (its stdout is ours), prints
// "pids <coordinator> <worker> <worker>" and "address <address>", then waits to be killed. The test
// kills it with SIGKILL and checks that nothing it started survives.
await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Workers = 2 });
Akka.Actor.IActorRef printer = await coordinator.SpawnAsync<Printer>();
await printer.Ask<int>("print", TimeSpan.FromSeconds(30));
Console.WriteLine($"pids {Environment.ProcessId} {string.Join(' ', coordinator.Workers.Select(w => w.Pid))}");
Console.WriteLine($"address {coordinator.Address}");
await Task.Delay(TimeSpan.FromMinutes(2));
return 0;
