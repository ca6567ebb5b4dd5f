namespace Actors.Tests.Coordination;

public sealed record AskOther(ActorRef Other);

public sealed record WithStream(Stream Stream);

/// <summary>Runs on a worker: tells which process it is in, and can ask another actor on the caller's behalf.</summary>
public sealed class PidActor : Actor
{
    protected override async ValueTask ReceiveAsync(object message)
    {
        switch (message)
        {
            case "pid":
                Context.Respond(Environment.ProcessId);
                break;
            case AskOther ask:
                ActorRef replyTo = Sender!;
                int other = await ask.Other.AskAsync<int>("pid", TimeSpan.FromSeconds(10));
                replyTo.Tell(other);
                break;
            case "hang":
                break; // never answers
            default:
                Unhandled(message);
                break;
        }
    }
}

/// <summary>An actor with a constructor argument, to check that arguments travel.</summary>
public sealed class Greeter(string greeting) : Actor
{
    protected override ValueTask ReceiveAsync(object message)
    {
        Context.Respond($"{greeting}, {message}");
        return default;
    }
}
