using Actors.Bench;

// Same interface and output as ../shared/anchors/python/bench_mp.py:
//   dotnet run -c Release --project bench/Actors.Bench -- [--list] [NAME ...] [--out FILE] [--repeats N]
if (args is [DelayProxy.Argument, string port, string microseconds])
{
    return await DelayProxy.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture), int.Parse(microseconds, System.Globalization.CultureInfo.InvariantCulture));
}
IBench[] benches = [new ActorTellBench(), new ActorAskBench(), new SerializerBench(), new HyperionBench(), new RemoteAskBench(), new RemoteThroughputBench(), new AkkaRemoteBench(), new WorkerStartupBench(),
    new PoolMapTinyBench(), new ApplyAsyncLatencyBench(), new ImapBench(), new CpuSpeedupBench(), new SpawnLatencyBench(),
    new QueueThroughputBench(), new PipeBench(), new ValueLockBench(), new SharedMemoryBench(), new ManagerDictBench(), new ClusterScalingBench()];
return await BenchRunner.RunAsync(args, benches);
