namespace Actors.Runtime.Hosting;

/// <summary>
/// What a parent hands a child process (a <c>ChildProcess</c>) on its standard input, as one line, when it starts
/// it: who it is (<paramref name="Name"/>, its parent's <paramref name="ParentName"/>, <paramref name="Daemon"/>, the <paramref name="Method"/> that started it),
/// the app assemblies its target needs (<paramref name="TrustNames"/>, <paramref name="TrustLocations"/>), the target
/// and its arguments (<paramref name="Target"/>: a <c>ProcessTarget</c> in the payload format), and where to send
/// a typed target's result (<paramref name="ResultAddress"/>, an abstract Unix socket, with <paramref name="ResultKey"/>
/// to prove it is this child), or null. A warm standby child has started long before and waits for this line.
/// </summary>
internal sealed record ProcessBootstrap(string Name, string ParentName, bool Daemon, string Method, string[] TrustNames, string[] TrustLocations, byte[] Target,
    string? ResultAddress, string? ResultKey)
{
    /// <summary>
    /// One line: the fields in a fixed order (length-prefixed strings and arrays, as <see cref="BinaryWriter"/> writes
    /// them), base64. Neither JSON nor the payload format: a cold child decoding this record by reflection spent 15 ms.
    /// </summary>
    public string ToLine()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write(Name);
            writer.Write(ParentName);
            writer.Write(Daemon);
            writer.Write(Method);
            WriteStrings(writer, TrustNames);
            WriteStrings(writer, TrustLocations);
            writer.Write(Target.Length);
            writer.Write(Target);
            writer.Write(ResultAddress ?? "");
            writer.Write(ResultKey ?? "");
        }
        return Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The bootstrap from its line, or null when the line is not one.</summary>
    public static ProcessBootstrap? Parse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(Convert.FromBase64String(line)));
            if (reader.ReadByte() != Version)
            {
                return null;
            }
            var bootstrap = new ProcessBootstrap(reader.ReadString(), reader.ReadString(), reader.ReadBoolean(), reader.ReadString(),
                ReadStrings(reader), ReadStrings(reader), reader.ReadBytes(Length(reader)), NullIfEmpty(reader.ReadString()), NullIfEmpty(reader.ReadString()));
            return reader.BaseStream.Position == reader.BaseStream.Length ? bootstrap : null;
        }
        catch (Exception ex) when (ex is FormatException or EndOfStreamException or IOException)
        {
            return null;
        }
    }

    private const byte Version = 1;

    /// <summary>Most app assemblies a bootstrap names; a count beyond it is not a bootstrap.</summary>
    private const int MaxStrings = 4096;

    private static void WriteStrings(BinaryWriter writer, string[] strings)
    {
        writer.Write(strings.Length);
        foreach (string s in strings)
        {
            writer.Write(s);
        }
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > MaxStrings)
        {
            throw new FormatException($"a bootstrap names {count} assemblies");
        }
        var strings = new string[count];
        for (int i = 0; i < count; i++)
        {
            strings[i] = reader.ReadString();
        }
        return strings;
    }

    private static int Length(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        return length >= 0 && length <= reader.BaseStream.Length - reader.BaseStream.Position ? length : throw new FormatException("a bootstrap's target length is out of range");
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
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
