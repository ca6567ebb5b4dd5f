using System.Security.Authentication;
using Actors.Runtime.Lane;
using Actors.Runtime.Lane.Transport;
using Actors.Runtime.Nodes;
using Actors.TestSupport;
using Akka.Actor;

namespace Actors.Runtime.Tests.Lane;

/// <summary>A peer without the cluster's certificate gets no lane: refused in the TLS handshake, before the key challenge, and the listener goes on.</summary>
public sealed class TlsStrangerTests : Akka.TestKit.Xunit2.TestKit
{
    [Fact]
    public async Task A_peer_with_another_certificate_is_refused_and_the_member_still_connects()
    {
        using var cluster = NodeCertificate.Create();
        using var stranger = NodeCertificate.Create();
        var logs = new TestLoggerProvider();
        await using LaneListener listener = LanePair.Listen(Sys, new SocketTransport(cluster), logs, Sys.ActorOf(Props.Create<EchoInbox>()));
        string address = await listener.ListenAsync("tls:127.0.0.1:0", CancellationToken.None);

        await Assert.ThrowsAnyAsync<AuthenticationException>(() => LanePair.ConnectAsync(Sys, new SocketTransport(stranger), address, logs, TestActor));
        // Plain TCP, no TLS at all: its key challenge meets a TLS server, which drops it.
        await Assert.ThrowsAnyAsync<AuthenticationException>(() => LanePair.ConnectAsync(Sys, SocketTransport.Instance, address.Replace("tls:", "tcp:", StringComparison.Ordinal), logs, TestActor));

        await using LaneConnection member = await LanePair.ConnectAsync(Sys, new SocketTransport(cluster), address, logs, TestActor);
        Assert.Equal(7, await member.AskAsync<int>(7, TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.Contains(logs.Lines, l => l.Message.Contains("was refused", StringComparison.Ordinal));
    }
}
