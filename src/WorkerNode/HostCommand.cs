using System.CommandLine;
using System.Globalization;
using Actors.Runtime.Hosting;

namespace Actors.WorkerNode;

/// <summary>
/// <c>Actors.WorkerNode host</c>: runs this machine as a worker host of a coordinator on another machine. Each setting comes
/// from its option, else its environment variable, else the <c>actors.host</c> section of the HOCON file given by
/// <c>--config</c>; a missing required one is a usage error (exit code 2).
/// </summary>
internal static class HostCommand
{
    private sealed record Source<T>(Option<T> Option, string Variable, string Key);

    public static Command Create()
    {
        var join = Setting(new Option<string?>("--join") { Description = "The coordinator's cluster address, host:port (Coordinator.ClusterAddress)." }, "ACTORS_JOIN", "join");
        var hostname = Setting(new Option<string?>("--hostname") { Description = "This machine's address as the coordinator reaches it; the host and its workers bind there." }, "ACTORS_HOSTNAME", "hostname");
        var name = Setting(new Option<string?>("--name") { Description = "This host's name in Coordinator.Workers (default: the machine name)." }, "ACTORS_HOST_NAME", "name");
        var processes = Setting(new Option<int?>("--processes") { Description = "Worker processes to run here (default: one per core)." }, "ACTORS_PROCESSES", "processes");
        var certificate = Setting(new Option<string?>("--certificate") { Description = $"The cluster's certificate with its private key, a PKCS#12 file; its password, if any, only in {HostSettings.PasswordVariable}." }, "ACTORS_CERTIFICATE", "certificate");
        var lost = Setting(new Option<string?>("--on-coordinator-lost") { Description = "wait (default): join again when the coordinator is back; exit: exit with code 3." }, "ACTORS_ON_COORDINATOR_LOST", "on-coordinator-lost");
        lost.Option.AcceptOnlyFromAmong("wait", "exit");
        var config = new Option<FileInfo?>("--config") { Description = "A HOCON file whose actors.host section holds any of these settings (join, hostname, name, processes, certificate, on-coordinator-lost)." };
        var command = new Command("host", "Run this machine as a worker host: join a coordinator's cluster and run worker processes for it.")
        {
            join.Option, hostname.Option, name.Option, processes.Option, certificate.Option, lost.Option, config,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Akka.Configuration.Config? file = null;
            if (parse.GetValue(config) is { } path)
            {
                if (!path.Exists)
                {
                    await Console.Error.WriteLineAsync($"error: the config file '{path.FullName}' does not exist.").ConfigureAwait(false);
                    return HostNode.ExitUsage;
                }
                file = Akka.Configuration.ConfigurationFactory.ParseString(await File.ReadAllTextAsync(path.FullName, cancellationToken).ConfigureAwait(false)).GetConfig("actors.host");
            }
            string? Read(Source<string?> s) => parse.GetValue(s.Option) ?? (Environment.GetEnvironmentVariable(s.Variable) is { Length: > 0 } v ? v : file?.GetString(s.Key, null));
            string? joinValue = Read(join), hostnameValue = Read(hostname), certificateValue = Read(certificate);
            string? processesText = parse.GetValue(processes.Option)?.ToString(CultureInfo.InvariantCulture)
                ?? Environment.GetEnvironmentVariable(processes.Variable) ?? file?.GetString(processes.Key, null);
            string lostValue = Read(lost) ?? "wait";
            var missing = new[] { (join, joinValue), (hostname, hostnameValue), (certificate, certificateValue) }.Where(p => string.IsNullOrWhiteSpace(p.Item2)).Select(p => p.Item1).ToList();
            if (missing.Count > 0)
            {
                foreach (var m in missing)
                {
                    await Console.Error.WriteLineAsync($"error: {m.Option.Name} is required (or {m.Variable}, or actors.host.{m.Key} in --config).").ConfigureAwait(false);
                }
                return HostNode.ExitUsage;
            }
            int count = Environment.ProcessorCount;
            if (processesText is not null && (!int.TryParse(processesText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 1024))
            {
                await Console.Error.WriteLineAsync($"error: processes must be between 1 and 1024; it was '{processesText}'.").ConfigureAwait(false);
                return HostNode.ExitUsage;
            }
            if (lostValue is not ("wait" or "exit"))
            {
                await Console.Error.WriteLineAsync($"error: on-coordinator-lost is wait or exit; it was '{lostValue}'.").ConfigureAwait(false);
                return HostNode.ExitUsage;
            }
            var settings = new HostSettings(joinValue!, hostnameValue!, Read(name) ?? Environment.MachineName, count, certificateValue!, lostValue == "wait");
            return await HostNode.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Source<T> Setting<T>(Option<T> option, string variable, string key) => new(option, variable, key);
}
