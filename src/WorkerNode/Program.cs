using Actors.Runtime.Hosting;

// The worker executable: everything it does is in WorkerHost, so a worker on another machine runs the same code.
// Started with --process, it is a ChildProcess's child instead (ProcessHost): no actor system, just the target.
if (args is [ProcessHost.Argument, ..])
{
    return await ProcessHost.RunAsync(args).ConfigureAwait(false);
}
return await WorkerHost.RunAsync(args).ConfigureAwait(false);
