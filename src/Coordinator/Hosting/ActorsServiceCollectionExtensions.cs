using Actors.Coordination.Hosting;
using Actors.Runtime.Nodes;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Actors;

/// <summary>
/// Adds Actors to an app built on the .NET Generic Host, on the app's own Akka.NET actor system (Akka.Hosting):
/// <c>services.AddActors(...)</c> is the one call. The actor system gets the product's configuration (HOCON
/// defaults, mutual TLS, the payload serializer); once it has started, the coordinator starts its workers and
/// <see cref="Coordinator"/> and <see cref="Pool"/> can be resolved. Stopping the host stops the pool and the
/// workers (in Akka's coordinated shutdown, before the actor system ends).
/// </summary>
public static class ActorsServiceCollectionExtensions
{
    /// <summary>Adds an Akka.NET actor system named <paramref name="actorSystemName"/> with a coordinator and a pool on it.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="actorSystemName">The actor system's name.</param>
    /// <param name="options">The coordinator's options (workers, allowed assemblies, HOCON over the defaults).</param>
    /// <param name="pool">The pool's options.</param>
    /// <param name="configure">More Akka.Hosting configuration of the same actor system (the app's own actors, HOCON, ...).</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <remarks>Resolve <see cref="Coordinator"/> and <see cref="Pool"/> after the host has started; before that they do not exist yet and resolving them throws.</remarks>
    public static IServiceCollection AddActors(this IServiceCollection services, string actorSystemName = "actors", CoordinatorOptions? options = null,
        PoolOptions? pool = null, Action<AkkaConfigurationBuilder, IServiceProvider>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorSystemName);
        options ??= new CoordinatorOptions();
        var hosted = new HostedActors();
        services.AddSingleton(hosted);
        services.AddSingleton(_ => hosted.Coordinator ?? throw new InvalidOperationException("The coordinator starts with the host; resolve it after the host has started."));
        services.AddSingleton(_ => hosted.Pool ?? throw new InvalidOperationException("The pool starts with the host; resolve it after the host has started."));
        services.AddAkka(actorSystemName, (builder, provider) =>
        {
            var certificate = NodeCertificate.Create();
            builder.AddHocon(NodeSystem.Merge(options.AkkaConfig), HoconAddMode.Append);
            foreach (Akka.Actor.Setup.Setup setup in NodeSystem.Setups(certificate, new SerializerOptions { AllowedAssemblies = Coordinator.AllowedAssemblies(options) }))
            {
                builder.AddSetup(setup);
            }
            builder.AddStartup(async (system, _) =>
            {
                ILoggerFactory? logging = provider.GetService<ILoggerFactory>();
                hosted.Coordinator = await Coordinator.StartCoreAsync(options, logging, (system, certificate), CancellationToken.None).ConfigureAwait(false);
                hosted.Pool = await Pool.StartAsync(hosted.Coordinator, pool).ConfigureAwait(false);
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseServiceStop, "actors-stop-workers", async () =>
                {
                    await hosted.DisposeAsync().ConfigureAwait(false);
                    return Akka.Done.Instance;
                });
            });
            configure?.Invoke(builder, provider);
        });
        return services;
    }
}
