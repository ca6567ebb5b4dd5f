using Actors.Runtime.Hosting;
using Akka.Actor;

namespace Actors.Coordination.Workers;

/// <summary>The coordinator's <c>/user/workers</c>: where each worker's agent announces itself; hands it to its slot.</summary>
internal sealed class WorkerDirectory : ReceiveActor
{
    public WorkerDirectory(WorkerList workers)
    {
        Receive<WorkerHello>(hello => workers.Find(hello.Node)?.OnHello(hello, Sender));
    }
}
