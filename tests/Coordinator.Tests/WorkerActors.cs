using Akka.Actor;

namespace Actors.Tests.Coordination;

public sealed record AskOther(IActorRef Other);

public sealed record WithStream(Stream Stream);

/// <summary>Runs on a worker: tells which process it is in, and can ask another actor on the caller's behalf.</summary>
public sealed class PidActor : ReceiveActor
{
    public PidActor()
    {
        Receive<string>(m => m == "pid", _ => Sender.Tell(Environment.ProcessId));
        Receive<string>(m => m == "hang", _ => { }); // never answers
        ReceiveAsync<AskOther>(async ask =>
        {
            IActorRef replyTo = Sender;
            replyTo.Tell(await ask.Other.Ask<int>("pid", TimeSpan.FromSeconds(10)));
        });
    }
}

/// <summary>An actor with a constructor argument, to check that arguments travel.</summary>
public sealed class Greeter : ReceiveActor
{
    public Greeter(string greeting)
    {
        Receive<string>(name => Sender.Tell($"{greeting}, {name}"));
    }
}

/// <summary>Watches one actor from the coordinator and completes with the <see cref="Akka.Actor.Terminated"/> it gets.</summary>
public sealed class Watcher : ReceiveActor
{
    public Watcher(IActorRef watched, TaskCompletionSource<Akka.Actor.Terminated> terminated)
    {
        Context.Watch(watched);
        Receive<Akka.Actor.Terminated>(t => terminated.TrySetResult(t));
    }
}

public sealed record Blob(byte[] Data);

public sealed record Fail(string Text);

/// <summary>Replies with the length of each blob it gets, and fails asks that tell it to.</summary>
public sealed class SizeActor : ReceiveActor
{
    public SizeActor()
    {
        Receive<Blob>(blob => Sender.Tell(blob.Data.Length));
        Receive<Fail>(fail => Sender.Tell(new Status.Failure(new InvalidOperationException(fail.Text))));
    }
}
