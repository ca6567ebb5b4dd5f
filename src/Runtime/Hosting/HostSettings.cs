namespace Actors.Runtime.Hosting;

/// <summary>
/// What a worker host runs with (<c>Actors.WorkerNode host</c>): from its command line, else its environment
/// (<c>ACTORS_JOIN</c>, ...), else a HOCON file's <c>actors.host</c> section, else the defaults. The certificate's
/// password comes only from <c>ACTORS_CERTIFICATE_PASSWORD</c>, never a command line or a file of settings.
/// </summary>
/// <param name="Join">The coordinator's cluster address, <c>host:port</c> (<c>Coordinator.ClusterAddress</c>).</param>
/// <param name="Hostname">This machine's address as the coordinator reaches it; the agent and its workers bind there.</param>
/// <param name="Name">This host's name in <c>Coordinator.Workers</c> (<c>worker-1@NAME</c>); the machine name by default.</param>
/// <param name="Processes">Worker processes to run; one per core by default.</param>
/// <param name="Certificate">The cluster's certificate with its private key (a PKCS#12 file).</param>
/// <param name="WaitForCoordinator">When the coordinator goes (it stopped, or this host was cut off and downed): wait for it, or a new one, at the same address (true), or exit.</param>
internal sealed record HostSettings(string Join, string Hostname, string Name, int Processes, string Certificate, bool WaitForCoordinator)
{
    /// <summary>The environment variable that holds the certificate file's password, if it has one.</summary>
    public const string PasswordVariable = "ACTORS_CERTIFICATE_PASSWORD";
}
