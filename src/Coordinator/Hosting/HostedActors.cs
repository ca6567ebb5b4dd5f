namespace Actors.Coordination.Hosting;

/// <summary>The coordinator and pool of a host, set once its actor system has started; disposed when it stops.</summary>
internal sealed class HostedActors : IAsyncDisposable
{
    public Coordinator? Coordinator { get; set; }

    public Pool? Pool { get; set; }

    public async ValueTask DisposeAsync()
    {
        if (Pool is not null)
        {
            await Pool.DisposeAsync().ConfigureAwait(false);
        }
        if (Coordinator is not null)
        {
            await Coordinator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
