using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Processes;

/// <summary>Targets the child processes run: static methods of the test assembly, found there by token.</summary>
public static class Targets
{
    public static void Nothing()
    {
    }

    public static void Throw() => throw new InvalidOperationException("the target failed on purpose");

    public static void ExitWith(int code) => Environment.Exit(code);

    public static void SleepForever() => Thread.Sleep(Timeout.Infinite);

    public static void WriteLater(string path)
    {
        Thread.Sleep(300);
        File.WriteAllText(path, "done");
    }

    public static void StartChildThatWritesLater(string path) => new ChildProcess(WriteLater, [path]).Start();

    public static void Spin()
    {
        while (true)
        {
            Thread.SpinWait(1000);
        }
    }

    public static int Add(int a, int b) => a + b;

    public static string WhoAmI() =>
        $"{Multiprocessing.CurrentProcess().Name}|{Multiprocessing.CurrentProcess().Pid}|{Multiprocessing.ParentProcess()?.Pid}|{Multiprocessing.GetStartMethod()}";

    public static int TakesStream(Stream s) => (int)s.Length;
}

/// <summary>CPython's Process lifecycle, exit codes and failures, against real child processes.</summary>
public sealed class ChildProcessTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(30));

    [Fact]
    public void ReturningTarget_ExitCode0_AndTheLifecycleAsInCPython()
    {
        var child = new ChildProcess(Targets.Nothing, name: "greeter");
        Assert.Null(child.Pid);
        Assert.Null(child.ExitCode);
        Assert.False(child.IsAlive);
        Assert.Equal("greeter", child.Name);
        child.Start();
        Assert.NotNull(child.Pid);
        Assert.NotEqual(Environment.ProcessId, child.Pid);
        child.Join(Long);
        Assert.Equal(0, child.ExitCode);
        Assert.False(child.IsAlive);
        Assert.True(child.Sentinel.WaitOne(0));
        child.Close();
        Assert.Equal("process object is closed", Assert.Throws<InvalidOperationException>(() => child.IsAlive).Message);
    }

    [Fact]
    public void ExitCodes_AsCPythonReportsThemOnPosix()
    {
        var failing = new ChildProcess(Targets.Throw);
        var exiting = new ChildProcess(Targets.ExitWith, [7]);
        var sleeping = new ChildProcess(Targets.SleepForever, daemon: true); // daemon: a failed assertion must not leave the test host waiting at exit
        var spinning = new ChildProcess(Targets.Spin, daemon: true);
        ChildProcess[] all = [failing, exiting, sleeping, spinning];
        foreach (ChildProcess child in all)
        {
            child.Start();
        }
        failing.Join(Long);
        exiting.Join(Long);
        Assert.Equal(1, failing.ExitCode);
        Assert.Equal(7, exiting.ExitCode);
        Thread.Sleep(300);
        sleeping.Terminate();
        spinning.Kill(); // a child spinning in a loop still stops
        sleeping.Join(Long);
        spinning.Join(Long);
        Assert.Equal(-15, sleeping.ExitCode);
        Assert.Equal(-9, spinning.ExitCode);
    }

    [Fact]
    public void Join_WithZeroOrShortTimeout_ReturnsOnTime_ChildStillAlive()
    {
        var child = new ChildProcess(Targets.SleepForever, daemon: true);
        child.Start();
        var clock = Stopwatch.StartNew();
        child.Join(TimeSpan.Zero);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
        Assert.True(child.IsAlive);
        clock.Restart();
        child.Join(TimeSpan.FromMilliseconds(100));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(95), $"returned after {clock.Elapsed}"); // a timeout's lower bound holds
        Assert.True(child.IsAlive);
        Assert.Null(child.ExitCode);
        child.Kill();
        child.Join(Long);
        Assert.Equal(-9, child.ExitCode);
    }

    [Fact]
    public void Misuse_ThrowsInCPythonsWords()
    {
        var child = new ChildProcess(Targets.SleepForever, daemon: true);
        Assert.Equal("can only join a started process", Assert.Throws<InvalidOperationException>(() => child.Join()).Message);
        Assert.Equal("process not started", Assert.Throws<InvalidOperationException>(() => child.Sentinel).Message);
        child.Start();
        Assert.Equal("cannot start a process twice", Assert.Throws<InvalidOperationException>(child.Start).Message);
        Assert.Equal("cannot set daemon status of active process", Assert.Throws<InvalidOperationException>(() => child.Daemon = false).Message);
        Assert.StartsWith("Cannot close a process while it is still running", Assert.Throws<InvalidOperationException>(child.Close).Message, StringComparison.Ordinal);
        child.Kill();
        child.Join(Long);
        child.Close();
        Assert.Throws<ArgumentException>(() => Multiprocessing.GetContext("fork"));
    }

    [Fact]
    public void ArgumentThatCannotTravel_FailsAtStart_NamingIt()
    {
        var child = new ChildProcess(Targets.TakesStream, [new MemoryStream()]);
        var ex = Assert.Throws<PayloadSerializationException>(child.Start);
        Assert.Contains("'s'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MemoryStream", ex.Message, StringComparison.Ordinal);
        Assert.Null(child.Pid); // nothing was started
    }

    [Fact]
    public void TypedProcess_ReturnsItsValue_AndTheChildKnowsWhoItIs()
    {
        var sum = new ChildProcess<int>(Targets.Add, [2, 3]);
        sum.Start();
        sum.Join(Long);
        Assert.Equal(5, sum.Result);
        int factor = 10;
        var closure = new ChildProcess<int>(() => factor * 4);
        closure.Start();
        closure.Join(Long);
        Assert.Equal(40, closure.Result);
        var who = new ChildProcess<string>(Targets.WhoAmI, name: "worker-a");
        who.Start();
        who.Join(Long);
        string[] parts = who.Result.Split('|');
        Assert.Equal("worker-a", parts[0]);
        Assert.Equal(who.Pid, int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Environment.ProcessId, int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("spawn", parts[3]);
        var failed = new ChildProcess<int>(new Func<int>(() => throw new FormatException("no")));
        failed.Start();
        failed.Join(Long);
        Assert.Contains("exited with code 1", Assert.Throws<InvalidOperationException>(() => failed.Result).Message, StringComparison.Ordinal);
        Assert.Equal("MainProcess", Multiprocessing.CurrentProcess().Name);
        Assert.Null(Multiprocessing.ParentProcess());
        Assert.Equal(Environment.ProcessorCount, Multiprocessing.CpuCount());
    }

    [Fact]
    public void WarmStart_RunsTheTargetInAStandbyProcess_AndTheChildKnowsItsMethod()
    {
        ProcessContext warm = Multiprocessing.GetContext("warm");
        Assert.Equal(["spawn", "warm"], Multiprocessing.GetAllStartMethods());
        for (int i = 0; i < 3; i++)
        {
            ChildProcess<string> who = warm.Process<string>(Targets.WhoAmI, name: $"warm-{i}");
            who.Start();
            who.Join(Long);
            Assert.Equal(0, who.ExitCode);
            Assert.EndsWith("|warm", who.Result, StringComparison.Ordinal);
            Assert.StartsWith($"warm-{i}|", who.Result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void WarmChild_EndsWithItsExitFunctions_ItsOwnChildIsJoinedFirst()
    {
        // A warm child ends with _exit, as CPython's forkserver child with os._exit, after the product's exit functions.
        string path = Path.Combine(Path.GetTempPath(), $"actors-grandchild-{Guid.NewGuid():N}");
        try
        {
            ChildProcess child = Multiprocessing.GetContext("warm").Process(Targets.StartChildThatWritesLater, [path]);
            child.Start();
            child.Join(Long);
            Assert.Equal(0, child.ExitCode);
            Assert.True(File.Exists(path), "the child's own non-daemon child was joined before the child exited");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ActiveChildren_AndWaitingOnSeveral()
    {
        var sleeper = new ChildProcess(Targets.SleepForever, daemon: true);
        var quick = new ChildProcess(Targets.Nothing);
        sleeper.Start();
        quick.Start();
        Assert.Contains(sleeper, Multiprocessing.ActiveChildren());
        IReadOnlyList<ChildProcess> done = ChildProcess.Wait([sleeper, quick], Long);
        Assert.Equal([quick], done);
        Assert.Empty(ChildProcess.Wait([sleeper], TimeSpan.FromMilliseconds(100)));
        sleeper.Terminate();
        sleeper.Join(Long);
        Assert.DoesNotContain(sleeper, Multiprocessing.ActiveChildren());
        Assert.DoesNotContain(quick, Multiprocessing.ActiveChildren());
    }

    [Fact]
    public void AHundredChildren_StartedAndTerminatedAtOnce_AllReportMinus15_NoZombie()
    {
        ChildProcess[] children = [.. Enumerable.Range(0, 100).Select(_ => new ChildProcess(Targets.SleepForever, daemon: true))];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        foreach (ChildProcess child in children)
        {
            child.Terminate();
        }
        foreach (ChildProcess child in children)
        {
            child.Join(Long);
        }
        Assert.All(children, c => Assert.Equal(-15, c.ExitCode));
        Assert.All(children, c => Assert.False(ProcessScan.IsAlive(c.Pid!.Value)));
    }
}
