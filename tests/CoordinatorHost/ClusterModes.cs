using System.Security.Cryptography.X509Certificates;
using Actors;

namespace Actors.Tests.Host;

/// <summary>"cluster HOSTNAME PFX": a coordinator that worker hosts join; prints "cluster ADDRESS", then each new worker as "worker NAME PID", until killed.</summary>
internal static class ClusterModes
{
    public static async Task<int> CoordinateAsync(string hostname, string certificatePath)
    {
        using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, null);
        await using Coordinator coordinator = await Coordinator.StartAsync(new CoordinatorOptions
        {
            Processes = 0,
            Cluster = new ClusterOptions { Hostname = hostname, Port = 0, Certificate = certificate },
        });
        Console.WriteLine($"cluster {coordinator.ClusterAddress}");
        for (int running = 1; running < 64; running++)
        {
            await coordinator.WaitForWorkersAsync(running);
            WorkerInfo worker = coordinator.Workers.Last(w => w.State == WorkerState.Running);
            Console.WriteLine($"worker {worker.Name} {worker.Pid}");
        }
        await Task.Delay(TimeSpan.FromMinutes(2));
        return 0;
    }
}
