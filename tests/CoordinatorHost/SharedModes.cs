using Actors;

namespace Actors.Tests.Host;

/// <summary>An app that leaves shared objects behind it, for the test that kills it with SIGKILL and checks none survives.</summary>
public static class SharedModes
{
    /// <summary>
    /// "shared-kill": a lock, a value, a named block made here, another named block made by a pool worker (and never
    /// unlinked); prints "session DIR", "names A B" and "ready", then waits to be killed.
    /// </summary>
    public static async Task<int> MakeSharedThenWaitAsync()
    {
        await using Pool pool = await Pool.StartAsync(new PoolOptions { Processes = 2 });
        var value = new SharedValue<int>(1);
        string mine = "actors_kill_" + Guid.NewGuid().ToString("N")[..8];
        string theirs = "actors_kill_" + Guid.NewGuid().ToString("N")[..8];
        SharedMemory block = SharedMemory.Create(4096, mine);
        pool.Map(name => SharedMemory.Create(4096, name).Size, [theirs]);
        pool.Map(v => v.Add(1), [value]);
        Console.WriteLine($"session {Environment.GetEnvironmentVariable("ACTORS_SHM_SESSION")}");
        Console.WriteLine($"names {mine} {theirs}");
        Console.WriteLine($"ready {value.Value} {block.Size}");
        await Task.Delay(TimeSpan.FromMinutes(2));
        return 0;
    }
}
