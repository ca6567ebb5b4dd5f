namespace Actors.Tests.Host;

/// <summary>Runs on a worker and writes to its console, which is the coordinator's.</summary>
public sealed class Printer : Actor
{
    protected override ValueTask ReceiveAsync(object message)
    {
        Console.WriteLine($"worker-says pid {Environment.ProcessId}");
        Context.Respond(0);
        return default;
    }
}
