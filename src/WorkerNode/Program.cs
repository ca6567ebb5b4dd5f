using Actors.Runtime.Hosting;
using Microsoft.Extensions.Logging;

// The worker executable: everything it does is in WorkerHost, so a worker on another machine runs the same code.
using ILoggerFactory logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
return await WorkerHost.RunAsync(args, logging).ConfigureAwait(false);
