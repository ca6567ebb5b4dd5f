namespace Actors;

public sealed partial class Coordinator
{
    /// <summary>Set in the environment of a worker started from the app's own executable (see <see cref="FreezeSupport"/>).</summary>
    internal const string WorkerVariable = "ACTORS_WORKER";

    /// <summary>
    /// CPython's <c>freeze_support()</c>: call it first thing in <c>Main</c> of an app published self-contained or as a
    /// single file. Such an app has no separate worker executable to start (nor a <c>dotnet</c> host to count on), so its
    /// workers are the app's own executable started again; in those processes this call runs the worker and never
    /// returns. In the app itself, and in any app run with <c>dotnet run</c> or published framework-dependent, it returns
    /// at once and does nothing.
    /// </summary>
    public static void FreezeSupport()
    {
        if (Environment.GetEnvironmentVariable(WorkerVariable) != "1")
        {
            return;
        }
        Environment.SetEnvironmentVariable(WorkerVariable, null); // not inherited by what the app's tasks start
        string[] args = Environment.GetCommandLineArgs()[1..];
        if (args is [Runtime.Hosting.ProcessHost.Argument, ..])
        {
            Environment.Exit(Runtime.Hosting.ProcessHost.Run(args));
        }
        int code = Runtime.Hosting.WorkerHost.RunAsync(args).GetAwaiter().GetResult();
        Environment.Exit(code);
    }

    /// <summary>A worker started from the app's executable whose <c>Main</c> did not call <see cref="FreezeSupport"/> must not start workers of its own.</summary>
    private static void RefuseInAnUnfrozenWorker()
    {
        if (Environment.GetEnvironmentVariable(WorkerVariable) == "1")
        {
            throw new InvalidOperationException(
                "This process was started as a worker of a self-contained or single-file app, but the app's Main did not call Coordinator.FreezeSupport() first; add that call at the top of Main.");
        }
    }
}
