using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Actors.Runtime.Nodes;

/// <summary>
/// The certificate of one coordinator and its workers: made in memory at start-up, handed to workers on
/// their standard input (never argv or the environment), and pinned by thumbprint on both sides of every
/// Akka.Remote connection, so only processes that hold it can talk to the coordinator.
/// </summary>
internal static class NodeCertificate
{
    public static X509Certificate2 Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=actors-node", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 made = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        // Re-imported from PKCS#12 so the private key is usable by SslStream on every platform.
        return Load(made.Export(X509ContentType.Pkcs12));
    }

    public static byte[] Export(X509Certificate2 certificate) => certificate.Export(X509ContentType.Pkcs12);

    public static X509Certificate2 Load(byte[] pkcs12) => X509CertificateLoader.LoadPkcs12(pkcs12, null);
}
