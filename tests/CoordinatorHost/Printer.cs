using Akka.Actor;

namespace Actors.Tests.Host;

/// <summary>Runs on a worker and writes to its console, which is the coordinator's.</summary>
public sealed class Printer : ReceiveActor
{
    public Printer()
    {
        ReceiveAny(_ =>
        {
            Console.WriteLine($"worker-says pid {Environment.ProcessId}");
            Sender.Tell(0);
        });
    }
}
