using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Shared;

/// <summary>No shared-memory segment outlives the program that made it, even when it is killed with SIGKILL.</summary>
public sealed class SharedCleanupTests
{
    [Fact]
    public async Task AppKilledWithSigkill_ItsSessionAndItsNamedBlocks_AreRemovedByItsExitingWorkers()
    {
        using Process host = HostApp.Start("shared-kill", redirectErrors: false);
        string? session = null;
        string[] names = [];
        using (var timeout = new CancellationTokenSource(TestTimes.Dilated(TimeSpan.FromSeconds(60))))
        {
            while (await host.StandardOutput.ReadLineAsync(timeout.Token) is { } line && !line.StartsWith("ready", StringComparison.Ordinal))
            {
                if (line.StartsWith("session ", StringComparison.Ordinal)) session = line[8..];
                if (line.StartsWith("names ", StringComparison.Ordinal)) names = line[6..].Split(' ');
            }
        }
        Assert.NotNull(session);
        Assert.True(Directory.Exists(session));
        Assert.Equal(2, names.Length);
        Assert.All(names, n => Assert.True(File.Exists("/dev/shm/" + n), $"{n} was not made"));
        host.Kill(); // SIGKILL: no exit handler of the app runs
        await host.WaitForExitAsync();
        bool gone = await ProcessScan.EventuallyAsync(
            () => !Directory.Exists(session) && names.All(n => !File.Exists("/dev/shm/" + n)), TestTimes.Dilated(TimeSpan.FromSeconds(5)));
        Assert.True(gone, $"left behind: {string.Join(", ", new[] { session }.Concat(names.Select(n => "/dev/shm/" + n)).Where(p => Directory.Exists(p) || File.Exists(p)))}");
    }
}
