namespace Actors.Runtime.Hosting;

/// <summary>
/// What a parent hands a child process (a <c>ChildProcess</c>) on its standard input, as one JSON line, when it starts
/// it: who it is (<paramref name="Name"/>, its parent's <paramref name="ParentName"/>, <paramref name="Daemon"/>, the <paramref name="Method"/> that started it),
/// the app assemblies its target needs (<paramref name="TrustNames"/>, <paramref name="TrustLocations"/>), the target
/// and its arguments (<paramref name="Target"/>: a <c>ProcessTarget</c> in the payload format), and where to send
/// a typed target's result (<paramref name="ResultAddress"/>, an abstract Unix socket, with <paramref name="ResultKey"/>
/// to prove it is this child), or null. A warm standby child has started long before and waits for this line.
/// </summary>
internal sealed record ProcessBootstrap(string Name, string ParentName, bool Daemon, string Method, string[] TrustNames, string[] TrustLocations, byte[] Target,
    string? ResultAddress, string? ResultKey)
{
    /// <summary>One line: the record in the payload format, base64. Not JSON: a child reads it first thing, and the payload
    /// serializer it needs anyway is already warm then, where a JSON parser would cost tens of milliseconds cold.</summary>
    public string ToLine(PayloadSerializer serializer) => Convert.ToBase64String(((IPayloadSerializer)serializer).Serialize(this));

    /// <summary>The bootstrap from its line, or null when the line is not one.</summary>
    public static ProcessBootstrap? Parse(string? line, PayloadSerializer serializer)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            return serializer.Deserialize(Convert.FromBase64String(line), typeof(ProcessBootstrap)) as ProcessBootstrap;
        }
        catch (Exception ex) when (ex is FormatException or PayloadSerializationException)
        {
            return null;
        }
    }
}

/// <summary>
/// The worker bootstrap's JSON, generated at build time: a worker reads its bootstrap first thing, and reflection-based
/// JSON costs tens of milliseconds on a cold start.
/// </summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(WorkerBootstrap))]
internal sealed partial class BootstrapJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>What a child process knows of itself, in its environment (set by its host when the bootstrap arrives).</summary>
internal static class ProcessEnvironment
{
    public const string Name = "ACTORS_PROCESS_NAME";
    public const string ParentPid = "ACTORS_PARENT_PID";
    public const string Method = "ACTORS_START_METHOD";
    public const string ParentName = "ACTORS_PARENT_NAME";
}
