using Akka.Actor;
using Actors;
using Actors.Tests.Host;

// Default mode: starts a coordinator with two workers, has one worker print a line (its stdout is ours), prints
// "pids <coordinator> <worker> <worker>" and "address <address>", then waits to be killed. The test kills it with
// SIGKILL and checks that nothing it started survives.
// "pool-no-dispose": starts a pool, runs a map, prints "pids ..." and returns from Main without disposing anything,
// as a script ported from Python often does; the test checks that it exits quietly and leaves no worker behind.
Coordinator.FreezeSupport();
switch (args)
{
    case ["process-output"]: return ProcessModes.Output();
    case ["process-exit"]: return ProcessModes.Exit();
    case ["process-daemon-kill"]: return ProcessModes.DaemonThenWait();
    case ["shared-kill"]: return await SharedModes.MakeSharedThenWaitAsync();
    case ["cluster", string hostname, string certificate]: return await ClusterModes.CoordinateAsync(hostname, certificate);
}
if (args is ["pool-no-dispose"])
{
    Pool pool = await Pool.StartAsync(new PoolOptions { Processes = 2 });
    List<int> squares = pool.Map(x => x * x, Enumerable.Range(0, 100));
    Console.WriteLine($"sum {squares.Sum()}");
    Console.WriteLine($"pids {Environment.ProcessId} {string.Join(' ', pool.Map(_ => Environment.ProcessId, Enumerable.Range(0, 20), chunksize: 1).Distinct())}");
    return 0;
}
await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions { Processes = 2 });
Akka.Actor.IActorRef printer = await coordinator.SpawnAsync<Printer>();
await printer.Ask<int>("print", TimeSpan.FromSeconds(30));
Console.WriteLine($"pids {Environment.ProcessId} {string.Join(' ', coordinator.Workers.Select(w => w.Pid))}");
Console.WriteLine($"address {coordinator.Address}");
await Task.Delay(TimeSpan.FromMinutes(2));
return 0;
