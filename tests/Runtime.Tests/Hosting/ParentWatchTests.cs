using System.Diagnostics;
using Actors.Runtime.Hosting;

namespace Actors.Runtime.Tests.Hosting;

/// <summary>How a worker learns that its coordinator exited: a process's exit, awaited without polling.</summary>
public sealed class ParentWatchTests
{
    [Fact]
    public async Task Exited_CompletesWhenTheProcessExits_NotBefore()
    {
        // The sleeper never ends on its own within the test: on a loaded CI machine a 200 ms delay has taken a second,
        // and a `sleep 1` had then exited before the check. It ends when the test kills it.
        using Process sleeper = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            Task? exited = ParentWatch.Exited(sleeper.Id);
            Assert.NotNull(exited); // Linux 5.3+: pidfd_open
            await Task.Delay(200);
            Assert.False(exited.IsCompleted, "completed while the process still ran");
            sleeper.Kill();
            await exited.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(sleeper.WaitForExit(TimeSpan.FromSeconds(5)));
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill();
            }
        }
    }

    [Fact]
    public void Exited_OfAProcessThatIsGone_IsComplete()
    {
        using Process quick = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        quick.WaitForExit();
        int pid = quick.Id;
        quick.Dispose(); // reaped
        Assert.True(ParentWatch.Exited(pid)?.IsCompleted ?? false);
    }

    [Fact]
    public async Task GoneAsync_OfThisProcesssRealParent_DoesNotComplete()
    {
        Task gone = ParentWatch.GoneAsync(ParentOfThisProcess());
        await Task.Delay(300);
        Assert.False(gone.IsCompleted);
    }

    [Fact]
    public void GoneAsync_OfAProcessThatIsNotTheParent_IsComplete() =>
        Assert.True(ParentWatch.GoneAsync(Environment.ProcessId).IsCompleted); // this process is not its own parent

    [Fact]
    public void IsGone_IsFalseForTheRealParent_TrueForAnyOtherPid()
    {
        Assert.False(ParentWatch.IsGone(ParentOfThisProcess()));
        Assert.True(ParentWatch.IsGone(Environment.ProcessId));
    }

    private static int ParentOfThisProcess()
    {
        string stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
