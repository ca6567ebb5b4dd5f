using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Actors.TestSupport;

/// <summary>
/// Separate network hosts on this machine: a bridge in this namespace (the coordinator binds to its address) and one
/// network namespace per worker host, each joined to the bridge by a veth pair, with an address of its own, as separate
/// machines on one network would be. Cutting a host takes its link down. Disposing kills every process started in a
/// namespace (by pid) and removes the namespaces, links and the bridge, also after a failed test.
/// </summary>
/// <remarks>Shared by the scale-out tests and the <c>cluster_scaling</c> bench.</remarks>
public sealed class SeparateHosts : IAsyncDisposable
{
    private readonly string _id = Convert.ToHexString(RandomNumberGenerator.GetBytes(2)).ToLowerInvariant();
    private readonly int _subnet = RandomNumberGenerator.GetInt32(16, 250);
    private readonly List<Process> _processes = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("actors-cluster-").FullName;
    private int _hosts;

    /// <summary>Whether this machine can make them: root, and iproute2's <c>ip</c>.</summary>
    public static bool Available => Environment.UserName == "root" && File.Exists("/usr/sbin/ip");

    public const string SkipReason = "needs root and iproute2 (ip netns, veth, bridge) to make separate network hosts; CI runs as root";

    private string Bridge => $"acb{_id}";

    /// <summary>The coordinator's address, on the bridge.</summary>
    public string CoordinatorAddress => $"10.{_subnet}.77.1";

    public string AddressOf(int host) => $"10.{_subnet}.77.{host + 1}";

    private string Namespace(int host) => $"ach{_id}{host}";

    private string Link(int host) => $"acv{_id}{host}";

    /// <summary>The cluster's certificate, also written to <see cref="CertificatePath"/> (mode 0600) for the hosts.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath => Path.Combine(_directory, "cluster.pfx");

    /// <summary>Another certificate than the cluster's: a stranger's.</summary>
    public string StrangerCertificatePath => Path.Combine(_directory, "stranger.pfx");

    private SeparateHosts()
    {
        Certificate = MakeCertificate(CertificatePath);
        MakeCertificate(StrangerCertificatePath).Dispose();
    }

    private static X509Certificate2 MakeCertificate(string path)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=actors-test-cluster", key, HashAlgorithmName.SHA256);
        using X509Certificate2 made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        byte[] pfx = made.Export(X509ContentType.Pkcs12);
        File.WriteAllBytes(path, pfx);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return X509CertificateLoader.LoadPkcs12(pfx, null);
    }

    /// <summary>Makes the bridge and <paramref name="hosts"/> namespaces.</summary>
    public static async Task<SeparateHosts> CreateAsync(int hosts)
    {
        var made = new SeparateHosts();
        try
        {
            await made.IpAsync($"link add {made.Bridge} type bridge");
            await made.IpAsync($"addr add {made.CoordinatorAddress}/24 dev {made.Bridge}");
            await made.IpAsync($"link set {made.Bridge} up");
            for (int i = 1; i <= hosts; i++)
            {
                string ns = made.Namespace(i), link = made.Link(i), inside = link + "p";
                await made.IpAsync($"netns add {ns}");
                made._hosts = i;
                await made.IpAsync($"link add {link} type veth peer name {inside}");
                await made.IpAsync($"link set {inside} netns {ns}");
                await made.IpAsync($"link set {link} master {made.Bridge}");
                await made.IpAsync($"link set {link} up");
                await made.IpAsync($"-n {ns} addr add {made.AddressOf(i)}/24 dev {inside}");
                await made.IpAsync($"-n {ns} link set {inside} up");
                await made.IpAsync($"-n {ns} link set lo up");
            }
            return made;
        }
        catch
        {
            await made.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes host <paramref name="host"/>'s link down (<paramref name="up"/> false) or up again: its packets are dropped, no connection is reset.</summary>
    public Task SetLinkAsync(int host, bool up) => IpAsync($"link set {Link(host)} {(up ? "up" : "down")}");

    /// <summary>Starts <c>Actors.WorkerNode host</c> in host <paramref name="host"/>'s namespace, joining <paramref name="join"/>.</summary>
    /// <param name="directory">Where the app's build output is on that host (default: this process's own folder).</param>
    public Process StartHost(int host, string join, int processes = 1, string? certificate = null, string onLost = "wait", string? directory = null)
    {
        var info = new ProcessStartInfo("/usr/sbin/ip") { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = false };
        foreach (string a in new[] { "netns", "exec", Namespace(host), Runtime.Hosting.DotnetHost.Path, Path.Combine(directory ?? AppContext.BaseDirectory, "Actors.WorkerNode.dll"), "host",
            "--join", join, "--hostname", AddressOf(host), "--name", $"host-{host}", "--processes", processes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--certificate", certificate ?? CertificatePath, "--on-coordinator-lost", onLost })
        {
            info.ArgumentList.Add(a);
        }
        Process process = Process.Start(info)!; // `ip netns exec` execs the command: this pid is the host agent's
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Holds back every byte between host <paramref name="host"/> and the coordinator <paramref name="oneWayMicroseconds"/> each way
    /// (this kernel has no <c>netem</c>): an nftables rule in the host's namespace redirects its connections to the coordinator to
    /// a delaying relay started there with <paramref name="relay"/> (a program and its arguments before <c>PORT MICROSECONDS</c>;
    /// it prints "ready", and its own connections carry mark 1). Call it before the host connects; needs <c>nft</c>.
    /// </summary>
    public async Task DelayAsync(int host, int oneWayMicroseconds, params string[] relay)
    {
        const int Port = 39000;
        string ns = Namespace(host);
        await RunAsync("/usr/sbin/ip", $"netns exec {ns} nft add table ip actors_delay", check: true);
        await RunAsync("/usr/sbin/ip", $"netns exec {ns} nft add chain ip actors_delay out {{ type nat hook output priority -100 ; }}", check: true);
        await RunAsync("/usr/sbin/ip", $"netns exec {ns} nft add rule ip actors_delay out meta mark != 1 ip daddr {CoordinatorAddress} tcp dport != {Port} redirect to :{Port}", check: true);
        var info = new ProcessStartInfo("/usr/sbin/ip") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in new[] { "netns", "exec", ns }.Concat(relay).Append(Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Append(oneWayMicroseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            info.ArgumentList.Add(a);
        }
        Process process = Process.Start(info)!;
        _processes.Add(process);
        if (await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) != "ready")
        {
            throw new InvalidOperationException($"The delaying relay in {ns} did not start.");
        }
    }

    /// <summary>Pids of the processes in host <paramref name="host"/>'s namespace.</summary>
    public async Task<int[]> PidsInAsync(int host)
    {
        string output = await RunAsync("/usr/sbin/ip", $"netns pids {Namespace(host)}", check: false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse)];
    }

    private Task IpAsync(string arguments) => RunAsync("/usr/sbin/ip", arguments, check: true);

    private static async Task<string> RunAsync(string program, string arguments, bool check)
    {
        var info = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {arguments} failed ({process.ExitCode}): {await error}");
        }
        return await output;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Process process in _processes)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
        for (int i = 1; i <= _hosts; i++)
        {
            foreach (int pid in await PidsInAsync(i))
            {
                try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } catch (InvalidOperationException) { }
            }
        }
        foreach (Process process in _processes)
        {
            await process.WaitForExitAsync().WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(10))).ContinueWith(_ => { }, TaskScheduler.Default);
            process.Dispose();
        }
        for (int i = 1; i <= _hosts; i++)
        {
            await RunAsync("/usr/sbin/ip", $"link del {Link(i)}", check: false);
            await RunAsync("/usr/sbin/ip", $"netns del {Namespace(i)}", check: false);
        }
        await RunAsync("/usr/sbin/ip", $"link del {Bridge}", check: false);
        Certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
