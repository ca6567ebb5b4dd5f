using System.CommandLine;
using Actors.Runtime.Hosting;
using Actors.WorkerNode;

// The worker executable. Started by a coordinator, it is a worker (WorkerHost): everything it does is there, so a worker on
// another machine runs the same code. Started with --process, it is a ChildProcess's child instead (ProcessHost): no actor
// system, just the target. Started by hand with `host`, it runs this machine as a worker host of a coordinator elsewhere.
if (args is [ProcessHost.Argument, ..])
{
    return ProcessHost.Run(args);
}
if (args is not (["host", ..] or [] or ["--help" or "-h" or "-?" or "--version"]))
{
    return await WorkerHost.RunAsync(args).ConfigureAwait(false);
}
var root = new RootCommand("Actors worker node. A coordinator starts its workers itself; run `host` on another machine to give a coordinator its cores.")
{
    HostCommand.Create(),
};
ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
    {
        await Console.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
    }
    await Console.Error.WriteLineAsync("Run with --help to see the options.").ConfigureAwait(false);
    return HostNode.ExitUsage;
}
return await parsed.InvokeAsync().ConfigureAwait(false);
