using System.Text.Json;

namespace Actors.Runtime.Hosting;

/// <summary>
/// What a coordinator hands a worker first on its standard input, as one JSON line: the lane's key, the
/// certificate of the Akka.Remote connections with its private key (PEM) and the app's HOCON. Secrets never appear on a
/// command line or in the environment. The coordinator's Akka address follows on a second line once its own
/// actor system is up (the worker starts its own meanwhile).
/// </summary>
internal sealed record WorkerBootstrap(string Key, string Certificate, string? Config)
{
    public string ToLine() => JsonSerializer.Serialize(this, BootstrapJson.Default.WorkerBootstrap);

    /// <summary>The bootstrap from its line, or null when the line is not one.</summary>
    public static WorkerBootstrap? Parse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(line, BootstrapJson.Default.WorkerBootstrap) is { Key: not null, Certificate: not null } bootstrap ? bootstrap : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
