using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Processes;

/// <summary>An app with child processes (tests/CoordinatorHost), watched from outside: its console, its exit, its death.</summary>
public sealed class ChildProcessAppTests
{
    private static Process StartHost(string mode) => HostApp.Start(mode);

    private static async Task<(int Code, string Output, string Errors)> RunHostAsync(string mode)
    {
        using Process host = StartHost(mode);
        Task<string> output = host.StandardOutput.ReadToEndAsync();
        Task<string> errors = host.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(60)));
        await host.WaitForExitAsync(timeout.Token);
        return (host.ExitCode, await output, await errors);
    }

    [Fact]
    public async Task ChildConsoleOutput_AppearsOnTheParents_AndAFailingTargetsExceptionOnItsStderr()
    {
        (int code, string output, string errors) = await RunHostAsync("process-output");
        Assert.Equal(0, code);
        Assert.Contains("hello world from greeter", output, StringComparison.Ordinal);
        Assert.Contains("a line on stderr from", errors, StringComparison.Ordinal);
        Assert.Contains("Process failing:", errors, StringComparison.Ordinal); // as CPython's "Process Process-1:" and traceback
        Assert.Contains("InvalidOperationException: failing on purpose in the child", errors, StringComparison.Ordinal);
        Assert.Contains("exit codes 0 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppReturnsFromMain_JoinsNonDaemonChildren_TerminatesDaemonOnes()
    {
        (int code, string output, string _) = await RunHostAsync("process-exit");
        Assert.Equal(0, code);
        Assert.Contains("non-daemon child done", output, StringComparison.Ordinal); // the app waited for it
        int[] pids = [.. output.Split('\n').First(l => l.StartsWith("pids ", StringComparison.Ordinal))[5..].Trim().Split(' ').Select(int.Parse)];
        Assert.True(await ProcessScan.EventuallyAsync(() => !ProcessScan.IsAlive(pids[1]), TestTimes.Dilated(TimeSpan.FromSeconds(2))), "the daemon child outlived the app");
    }

    [Fact]
    public async Task ParentKilledWithSigkill_DaemonChildExitsWithinTwoSeconds()
    {
        using Process host = StartHost("process-daemon-kill");
        int[] pids = [];
        using (var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(30))))
        {
            while (pids.Length == 0 && await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("pids ", StringComparison.Ordinal)) pids = [.. line[5..].Split(' ').Select(int.Parse)];
            }
        }
        Assert.True(ProcessScan.IsAlive(pids[1]));
        host.Kill(); // SIGKILL: no exit handlers run
        await host.WaitForExitAsync();
        bool gone = await ProcessScan.EventuallyAsync(() => !ProcessScan.IsAlive(pids[1]), TestTimes.Dilated(TimeSpan.FromSeconds(2)));
        if (!gone)
        {
            Process.GetProcessById(pids[1]).Kill();
        }
        Assert.True(gone, "the daemon child outlived its parent by more than 2 s");
    }
}
