using System.Security.Cryptography.X509Certificates;
using Actors.Runtime.Serialization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Util;
using Akka.Configuration;
using Akka.Remote;
using Akka.Remote.Transport.DotNetty;

namespace Actors.Runtime.Nodes;

/// <summary>Starts the Akka actor system of a node (coordinator or worker) with the product's configuration.</summary>
internal static partial class NodeSystem
{
    /// <summary>The actor system name of every node; nodes differ by address (host and port).</summary>
    public const string Name = "actors";

    private static readonly Lazy<Config> Defaults = new(() => Embedded("actors.conf"));

    private static readonly Lazy<Config> ClusterDefaults = new(() => Embedded("cluster.conf").WithFallback(Defaults.Value));

    private static Config Embedded(string name)
    {
        using Stream stream = typeof(NodeSystem).Assembly.GetManifestResourceStream("Actors." + name)
            ?? throw new InvalidOperationException($"The embedded configuration {name} is missing from Actors.Runtime.");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>The product's HOCON defaults (<c>config/actors.conf</c>).</summary>
    public static Config DefaultConfig => Defaults.Value;

    /// <summary>The app's HOCON over the defaults.</summary>
    public static Config Merge(string? appHocon) =>
        string.IsNullOrWhiteSpace(appHocon) ? DefaultConfig : ConfigurationFactory.ParseString(appHocon).WithFallback(DefaultConfig);

    /// <summary>
    /// A cluster member's configuration (<c>config/cluster.conf</c> over <c>actors.conf</c>, the app's HOCON over both), bound to
    /// <paramref name="hostname"/>:<paramref name="port"/> with <paramref name="role"/>.
    /// </summary>
    public static Config ClusterConfig(string? appHocon, string hostname, int port, string role)
    {
        Config app = string.IsNullOrWhiteSpace(appHocon) ? ClusterDefaults.Value : ConfigurationFactory.ParseString(appHocon).WithFallback(ClusterDefaults.Value);
        return BoundTo(ConfigurationFactory.ParseString($"akka.cluster.roles = [\"{role}\"]").WithFallback(app), hostname, port);
    }

    /// <summary><paramref name="config"/> with Akka.Remote bound to <paramref name="hostname"/> (and <paramref name="port"/>, when given).</summary>
    public static Config BoundTo(Config config, string hostname, int? port = null)
    {
        string quoted = System.Text.Json.JsonSerializer.Serialize(hostname); // a HOCON quoted string is a JSON string
        string bind = port is { } p ? $"akka.remote.dot-netty.tcp {{ hostname = {quoted}, port = {p} }}" : $"akka.remote.dot-netty.tcp.hostname = {quoted}";
        return ConfigurationFactory.ParseString(bind).WithFallback(config);
    }

    /// <summary>
    /// Akka logs a warning and an error each time a peer's connection ends without a goodbye (from its reliable endpoint
    /// writers, whose log source is filtered here); between a coordinator
    /// and its workers that is every stop, recycle and crash of a worker, which the coordinator reports itself
    /// (with the pid and the signal), so those two lines would only be noise on the app's console. The same goes for
    /// DotNetty's "Half-close failed on channel" when a worker's end of a connection closed first at shutdown.
    /// </summary>
    private static readonly Akka.Event.LogFilterSetup QuietPartings = new Akka.Event.LogFilterBuilder()
        .ExcludeSourceRegex(EndpointWriterSource())
        .ExcludeMessageRegex(HalfCloseFailed())
        .Build();

    // Source-generated: a RegexOptions.Compiled regex is emitted at run time, in every worker's start-up.
    [System.Text.RegularExpressions.GeneratedRegex("/system/endpointManager/reliableEndpointWriter-")]
    private static partial System.Text.RegularExpressions.Regex EndpointWriterSource();

    [System.Text.RegularExpressions.GeneratedRegex("Half-close failed on channel")]
    private static partial System.Text.RegularExpressions.Regex HalfCloseFailed();

    /// <summary>Starts a node's actor system, reachable only by peers that present <paramref name="certificate"/>.</summary>
    /// <remarks>
    /// What <see cref="Akka.Actor.ActorSystem.Create(string, ActorSystemSetup)"/> does, less one step: it also calls
    /// <see cref="ConfigurationFactory.Load()"/> even when the setup carries the configuration (the fallback argument is
    /// evaluated first), which reads the app's <c>.config</c> file through System.Configuration: about 85 ms of CPU in a
    /// fresh process here, in the coordinator and in every worker, all starting at once on the same cores.
    /// </remarks>
    public static Akka.Actor.ActorSystem Start(Config config, X509Certificate2 certificate, SerializerOptions serializer)
    {
        ActorSystemSetup setup = ActorSystemSetup.Create([BootstrapSetup.Create().WithConfig(config), .. Setups(certificate, serializer)]);
        var system = new Akka.Actor.Internal.ActorSystemImpl(Name, config, setup);
        system.Start();
        return system;
    }

    /// <summary>What a node's actor system needs beside its HOCON: mutual TLS pinned to <paramref name="certificate"/>, the allow-list, the log filter.</summary>
    public static Setup[] Setups(X509Certificate2 certificate, SerializerOptions serializer) =>
    [
        new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true, CertificateValidation.PinnedCertificate(certificate.Thumbprint)),
        new PayloadSerializerSetup(serializer),
        QuietPartings,
    ];

    /// <summary>This node's own address (host and port), to give to peers.</summary>
    public static Address AddressOf(Akka.Actor.ActorSystem system) => ((ExtendedActorSystem)system).Provider.DefaultAddress;

    /// <summary>
    /// Declares a node whose process is known to have exited gone for good: its address is quarantined
    /// (with its uid, so nothing of that incarnation is accepted again) and every actor that watches an
    /// actor there gets <see cref="Akka.Actor.Terminated"/> now, with <c>AddressTerminated</c> set.
    /// </summary>
    /// <remarks>
    /// Akka fires those <c>Terminated</c> only from its remote failure detector, after
    /// <c>akka.remote.watch-failure-detector.acceptable-heartbeat-pause</c> (10 s by default): tuned down
    /// to 1-2 s it would also declare a worker dead during a long GC pause or a CPU-bound burst, and a
    /// quarantine cannot be undone. The coordinator knows better: it saw the process exit. Akka has no
    /// public call for "this address is gone"; its own watchers learn it from the internal
    /// <c>AddressTerminatedTopic</c>, so that is published here by reflection, pinned to Akka 1.5.74
    /// and covered by a test (a worker killed with SIGKILL; its watcher hears within 2 s).
    /// </remarks>
    public static void DeclareGone(Akka.Actor.ActorSystem system, Address address, int uid)
    {
        AddressTerminated.Value(system, address);
        ((IRemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Quarantine(address, uid);
    }

    private static readonly Lazy<Action<Akka.Actor.ActorSystem, Address>> AddressTerminated = new(() =>
    {
        System.Reflection.Assembly akka = typeof(Akka.Actor.ActorSystem).Assembly;
        Type topic = akka.GetType("Akka.Event.AddressTerminatedTopic", throwOnError: true)!;
        Type message = akka.GetType("Akka.Actor.AddressTerminated", throwOnError: true)!;
        System.Reflection.MethodInfo get = topic.GetMethod("Get", [typeof(Akka.Actor.ActorSystem)])!;
        System.Reflection.MethodInfo publish = topic.GetMethod("Publish", [message])!;
        System.Reflection.ConstructorInfo create = message.GetConstructor([typeof(Address)])!;
        return (system, address) => publish.Invoke(get.Invoke(null, [system]), [create.Invoke([address])]);
    });

    /// <summary>This actor system's incarnation id, which a peer needs to quarantine it.</summary>
    public static int Uid(Akka.Actor.ActorSystem system) => AddressUidExtension.Uid(system);
}
