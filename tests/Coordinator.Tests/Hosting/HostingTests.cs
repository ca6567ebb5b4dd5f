using Actors.TestSupport;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Actors.Tests.Coordination.Hosted;

/// <summary>An app on the .NET Generic Host adds Actors with one call, on its own Akka.Hosting actor system.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task AddActors_PoolAndCoordinatorFromDI_UseTheAppsActorSystem_StoppingTheHostStopsTheWorkers()
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddActors("hosted-app", new CoordinatorOptions { Processes = 2 });
        using IHost host = builder.Build();
        await host.StartAsync();

        Actors.Pool pool = host.Services.GetRequiredService<Actors.Pool>();
        Coordinator coordinator = host.Services.GetRequiredService<Coordinator>();
        Assert.Same(host.Services.GetRequiredService<ActorSystem>(), coordinator.System);
        Assert.Equal("hosted-app", coordinator.System.Name);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 3), pool.Map(x => x * 3, Enumerable.Range(0, 100).ToArray()));
        IActorRef greeter = await coordinator.SpawnAsync<Greeter>(null, 1, "hello");
        Assert.Equal("hello, host", await greeter.Ask<string>("host", TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        int[] pids = [.. coordinator.Workers.Select(w => w.Pid)];
        Assert.All(pids, p => Assert.True(ProcessScan.IsAlive(p)));

        await host.StopAsync();
        Assert.True(await ProcessScan.EventuallyAsync(() => pids.All(p => !ProcessScan.IsAlive(p)), TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.True(coordinator.System.WhenTerminated.IsCompleted);
        Assert.Equal(PoolState.Terminated, pool.State);
    }

    [Fact]
    public void AddActors_ResolvedBeforeTheHostStarts_SaysWhen()
    {
        HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddActors();
        using IHost host = builder.Build();
        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<Actors.Pool>());
        Assert.Contains("after the host has started", ex.Message, StringComparison.Ordinal);
    }
}
