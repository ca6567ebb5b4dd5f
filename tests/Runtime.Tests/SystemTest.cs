using Actors.TestKit;

namespace Actors.Runtime.Tests;

/// <summary>One fresh actor system per test, shut down afterwards.</summary>
public abstract class SystemTest : IAsyncLifetime
{
    protected SystemTest()
    {
        Logs = new TestLoggerProvider();
        System = ActorSystem.Create(new ActorSystemOptions
        {
            Name = GetType().Name,
            Serializer = new SerializerOptions().Allow(typeof(SystemTest)),
        }, Logs.CreateFactory());
    }

    protected ActorSystem System { get; }

    protected TestLoggerProvider Logs { get; }

    protected TestProbe CreateProbe(string? name = null) => new(System, name);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => System.ShutdownAsync();
}
