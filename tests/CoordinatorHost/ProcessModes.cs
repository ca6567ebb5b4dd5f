using Actors;

namespace Actors.Tests.Host;

/// <summary>An app using child processes, for tests that watch it from outside: its console, its exit, its death.</summary>
public static class ProcessModes
{
    public static void Greet(string who)
    {
        Console.WriteLine($"hello {who} from {Multiprocessing.CurrentProcess().Name}");
        Console.Error.WriteLine($"a line on stderr from {Environment.ProcessId}");
    }

    public static void Fail() => throw new InvalidOperationException("failing on purpose in the child");

    public static void SleepThenSay(int ms)
    {
        Thread.Sleep(ms);
        Console.WriteLine("non-daemon child done");
    }

    public static void SleepForever() => Thread.Sleep(Timeout.Infinite);

    /// <summary>"process-output": a child prints on both streams, another fails; their output is ours.</summary>
    public static int Output()
    {
        var greeter = new ChildProcess(Greet, ["world"], name: "greeter");
        var failing = new ChildProcess(Fail, name: "failing");
        greeter.Start();
        failing.Start();
        greeter.Join();
        failing.Join();
        Console.WriteLine($"exit codes {greeter.ExitCode} {failing.ExitCode}");
        return 0;
    }

    /// <summary>"process-exit": returns from Main with a non-daemon child still running and a daemon child sleeping forever.</summary>
    public static int Exit()
    {
        var child = new ChildProcess(SleepThenSay, [1000]);
        var daemon = new ChildProcess(SleepForever, daemon: true);
        child.Start();
        daemon.Start();
        Console.WriteLine($"pids {child.Pid} {daemon.Pid}");
        return 0;
    }

    /// <summary>"process-daemon-kill": starts a daemon child and waits to be killed.</summary>
    public static int DaemonThenWait()
    {
        var daemon = new ChildProcess(SleepForever, daemon: true);
        daemon.Start();
        Console.WriteLine($"pids {Environment.ProcessId} {daemon.Pid}");
        Thread.Sleep(TimeSpan.FromMinutes(2));
        return 0;
    }
}
