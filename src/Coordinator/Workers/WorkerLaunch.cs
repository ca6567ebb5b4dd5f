using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Actors.Coordination.Workers;

/// <summary>How to start a worker: a <see cref="ChildLaunch"/> with the coordinator's address, the allow-list and the lane's settings.</summary>
internal sealed class WorkerLaunch
{
    private readonly ChildLaunch _child;
    private readonly string _address;
    private readonly string _allowed;
    private readonly LaneOptions _remote;
    private readonly Lazy<string[]> _appFiles;

    private WorkerLaunch(ChildLaunch child, string address, Assembly[] allowed, LaneOptions remote)
    {
        _child = child;
        _address = address;
        _allowed = string.Join(';', allowed.Select(a => a.GetName().Name).Distinct());
        _remote = remote;
        _appFiles = new(() => [.. allowed.Where(a => a != typeof(WorkerLaunch).Assembly).Select(Fingerprint).OfType<string>().Distinct()]);
    }

    /// <exception cref="WorkerStartException">The worker dll cannot be found.</exception>
    public static WorkerLaunch Create(CoordinatorOptions options, string address, IEnumerable<Assembly> allowed) =>
        new(ChildLaunch.Create(options.WorkerAssemblyPath), address, [.. allowed], options.Lane);

    /// <summary>The app's assemblies as <c>FILE=SHA256</c>, for a host to check that it runs the same build.</summary>
    public string[] AppFileHashes => _appFiles.Value;

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "A single-file app's assemblies have no file; there is nothing to compare.")]
    private static string? Fingerprint(Assembly assembly) =>
        assembly.Location is { Length: > 0 } path && File.Exists(path) ? Runtime.Hosting.AppBuild.Fingerprint(path) : null;

    public ProcessStartInfo StartInfo(string node) => _child.StartInfo(
    [
        .. Arguments(node, _address),
        "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
    ]);

    /// <inheritdoc cref="ChildLaunch.AppFiles"/>
    public (string? DepsFile, string? RuntimeConfig) AppFiles => _child.AppFiles;

    /// <summary>A worker's arguments without its parent (a host agent on another machine adds itself), connecting to <paramref name="address"/>.</summary>
    public string[] Arguments(string node, string address) =>
    [
        "--connect", address,
        "--node", node,
        "--allow", _allowed,
        "--heartbeat-ms", ((int)_remote.HeartbeatInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--heartbeat-timeout-ms", ((int)_remote.HeartbeatTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--handshake-timeout-ms", ((int)_remote.HandshakeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        "--max-message-bytes", _remote.MaxMessageSize.ToString(CultureInfo.InvariantCulture),
    ];
}
