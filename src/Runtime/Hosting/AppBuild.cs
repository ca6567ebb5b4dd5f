namespace Actors.Runtime.Hosting;

/// <summary>
/// Which build of the app a machine has: each app assembly as <c>FILE=SHA256</c>. The coordinator sends its own with every
/// worker a host starts; the host compares them with the files beside it and refuses another build.
/// </summary>
internal static class AppBuild
{
    /// <summary>The file at <paramref name="path"/> as <c>FILE=SHA256</c>.</summary>
    public static string Fingerprint(string path) => $"{Path.GetFileName(path)}={Hash(path)}";

    /// <summary>What differs between <paramref name="fingerprints"/> and the files in <paramref name="directory"/>, or null when nothing does.</summary>
    public static string? Difference(string directory, string[] fingerprints)
    {
        foreach (string entry in fingerprints)
        {
            int equals = entry.LastIndexOf('=');
            string file = equals > 0 ? entry[..equals] : "";
            if (file.Length == 0 || file != Path.GetFileName(file))
            {
                return $"'{entry}' is not a file name and its hash";
            }
            string path = Path.Combine(directory, file);
            if (!File.Exists(path))
            {
                return $"{file} is missing here";
            }
            if (!string.Equals(Hash(path), entry[(equals + 1)..], StringComparison.OrdinalIgnoreCase))
            {
                return $"{file} here is another build than the coordinator's (its SHA-256 differs)";
            }
        }
        return null;
    }

    private static string Hash(string path)
    {
        using FileStream file = File.OpenRead(path);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file));
    }
}
