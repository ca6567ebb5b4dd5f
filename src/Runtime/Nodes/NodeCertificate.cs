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
        return Load(Export(made));
    }

    /// <summary>
    /// The certificate and its private key as PEM text (the certificate, then the key in PKCS#8), for a worker's
    /// standard input. Not PKCS#12: its key derivation made loading cost a fresh worker 35 ms of CPU, PEM 17 ms. On
    /// Linux, where the product runs, a key loaded from PEM serves SslStream as it is.
    /// </summary>
    /// <exception cref="ArgumentException">The certificate has no ECDSA or RSA private key.</exception>
    public static string Export(X509Certificate2 certificate)
    {
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException("A node's certificate needs its ECDSA or RSA private key.", nameof(certificate));
        return certificate.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem();
    }

    /// <summary>A certificate and its private key from <see cref="Export"/>'s text.</summary>
    public static X509Certificate2 Load(string pem) => X509Certificate2.CreateFromPem(pem, pem);
}
