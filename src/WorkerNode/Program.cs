using Actors.Runtime.Hosting;
using Microsoft.Extensions.Logging;

// The worker executable: everything it does is in WorkerHost, so a worker on another machine runs the same code.
// Started with --process, it is a ChildProcess's child instead (ProcessHost): no actor system, just the target.
if (args is [ProcessHost.Argument, ..])
{
    return await ProcessHost.RunAsync(args).ConfigureAwait(false);
}
using ILoggerFactory logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
return await WorkerHost.RunAsync(args, logging).ConfigureAwait(false);
