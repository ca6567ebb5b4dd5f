using System.Security.Cryptography.X509Certificates;

namespace Actors;

/// <summary>
/// Lets worker hosts on other machines join this coordinator (<see cref="CoordinatorOptions.Cluster"/>): its actor system
/// becomes the first member of an Akka.Cluster that hosts started with <c>Actors.WorkerNode host --join</c> join, and
/// their worker processes connect back to it. Only holders of <see cref="Certificate"/> can join or send anything.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>The default port of the coordinator's Akka.Cluster endpoint, which hosts join.</summary>
    public const int DefaultPort = 4053;

    private readonly string _hostname = "";
    private readonly int _port = DefaultPort;
    private readonly int _lanePort;
    private readonly X509Certificate2 _certificate = null!;

    /// <summary>The address hosts reach this machine at (an IP address or a DNS name); the coordinator binds there.</summary>
    /// <exception cref="ArgumentException">Empty.</exception>
    public required string Hostname
    {
        get => _hostname;
        init { ArgumentException.ThrowIfNullOrWhiteSpace(value, nameof(Hostname)); _hostname = value; }
    }

    /// <summary>The port hosts join (Akka.Cluster over mutual TLS); 0 picks a free one, read back from <see cref="Coordinator.ClusterAddress"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a port.</exception>
    public int Port
    {
        get => _port;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(Port)); ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535, nameof(Port)); _port = value; }
    }

    /// <summary>The port the hosts' workers connect their lanes to (TCP inside mutual TLS); 0, the default, picks a free one and tells the hosts.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a port.</exception>
    public int LanePort
    {
        get => _lanePort;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(LanePort)); ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535, nameof(LanePort)); _lanePort = value; }
    }

    /// <summary>
    /// The cluster's credential: a certificate with its private key that the coordinator and every host hold (a PKCS#12
    /// file on each machine; see the README's "More machines"). Every connection, Akka's and the lanes', is mutual TLS
    /// pinned to it, so a machine without it cannot join or deliver a message.
    /// </summary>
    /// <exception cref="ArgumentException">It has no private key.</exception>
    public required X509Certificate2 Certificate
    {
        get => _certificate;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Certificate));
            if (!value.HasPrivateKey) throw new ArgumentException("The cluster certificate must carry its private key: every member proves it holds it.", nameof(Certificate));
            _certificate = value;
        }
    }
}
