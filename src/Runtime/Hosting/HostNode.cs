using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Actors.Runtime.Nodes;
using Actors.Runtime.Serialization;
using Microsoft.Extensions.Logging;

namespace Actors.Runtime.Hosting;

/// <summary>
/// The life of a worker host (<c>Actors.WorkerNode host</c>): join the coordinator's cluster with the cluster's certificate,
/// run the <see cref="HostAgent"/> until this membership ends (the coordinator stopped, or this host was cut off and downed
/// itself), kill its workers, then join again or exit as <see cref="HostSettings.WaitForCoordinator"/> says.
/// </summary>
internal static partial class HostNode
{
    public const int ExitOk = 0;
    public const int ExitUsage = 2;
    public const int ExitCoordinatorLost = 3;

    private static readonly TimeSpan RejoinPause = TimeSpan.FromSeconds(1);

    /// <summary>How long a host in exit mode tries to join before it exits.</summary>
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(HostSettings settings, CancellationToken stop)
    {
        using ILoggerFactory loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        ILogger logger = loggerFactory.CreateLogger("Actors.Host");
        X509Certificate2 certificate;
        if (!File.Exists(settings.Certificate))
        {
            LogBadCertificate(logger, settings.Certificate, "there is no such file", HostSettings.PasswordVariable);
            return ExitUsage;
        }
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(settings.Certificate, Environment.GetEnvironmentVariable(HostSettings.PasswordVariable));
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            LogBadCertificate(logger, settings.Certificate, ex.Message, HostSettings.PasswordVariable);
            return ExitUsage;
        }
        using (certificate)
        {
            if (!certificate.HasPrivateKey)
            {
                LogBadCertificate(logger, settings.Certificate, "it has no private key", HostSettings.PasswordVariable);
                return ExitUsage;
            }
            Akka.Actor.Address coordinator;
            try
            {
                coordinator = Akka.Actor.Address.Parse($"akka.ssl.tcp://{NodeSystem.Name}@{settings.Join}");
            }
            catch (UriFormatException)
            {
                LogBadJoin(logger, settings.Join);
                return ExitUsage;
            }
            while (!stop.IsCancellationRequested)
            {
                await RunOnceAsync(settings, certificate, coordinator, logger, stop).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    return ExitOk;
                }
                if (!settings.WaitForCoordinator)
                {
                    LogExiting(logger, settings.Join);
                    return ExitCoordinatorLost;
                }
                LogWaiting(logger, settings.Join);
                try
                {
                    await Task.Delay(RejoinPause, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return ExitOk;
                }
            }
            return ExitOk;
        }
    }

    /// <summary>One membership: start an actor system, join, serve until it ends or <paramref name="stop"/>.</summary>
    private static async Task RunOnceAsync(HostSettings settings, X509Certificate2 certificate, Akka.Actor.Address coordinator, ILogger logger, CancellationToken stop)
    {
        // A host that is to exit when it has no coordinator also gives up joining one that never answers (or refuses its certificate).
        string? giveUp = settings.WaitForCoordinator ? null : $"akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {(int)JoinTimeout.TotalSeconds}s";
        Akka.Actor.ActorSystem system = NodeSystem.Start(NodeSystem.ClusterConfig(giveUp, settings.Hostname, 0, "host"), certificate, new SerializerOptions());
        try
        {
            system.ActorOf(Akka.Actor.Props.Create(() => new HostAgent(settings, coordinator, logger)), HostAgent.Name);
            Akka.Cluster.Cluster.Get(system).JoinSeedNodes([coordinator]);
            LogJoining(logger, settings.Name, coordinator.ToString());
            await Task.WhenAny(system.WhenTerminated, Task.Delay(Timeout.Infinite, stop)).ConfigureAwait(false);
        }
        finally
        {
            // Leaves the cluster first when still a member (CoordinatedShutdown), then stops the agent, which kills the workers.
            await Akka.Actor.CoordinatedShutdown.Get(system).Run(Akka.Actor.CoordinatedShutdown.ClrExitReason.Instance)
                .WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Cannot read the cluster certificate '{Path}': {Reason} (a PKCS#12 file with its private key; its password, if any, in {Variable})")]
    private static partial void LogBadCertificate(ILogger logger, string path, string reason, string variable);

    [LoggerMessage(Level = LogLevel.Error, Message = "'{Join}' is not a coordinator's cluster address: give host:port, as Coordinator.ClusterAddress shows it")]
    private static partial void LogBadJoin(ILogger logger, string join);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {Host} joining the coordinator at {Coordinator}")]
    private static partial void LogJoining(ILogger logger, string host, string coordinator);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The coordinator at {Join} is gone; waiting for it (or a new one) there")]
    private static partial void LogWaiting(ILogger logger, string join);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The coordinator at {Join} is gone; exiting, as --on-coordinator-lost exit says")]
    private static partial void LogExiting(ILogger logger, string join);
}
