namespace Actors;

/// <summary>
/// The wire identity of one actor incarnation: the node that hosts it, its path under that node
/// and a unique id that tells a restarted or re-created actor of the same path from the old one.
/// </summary>
/// <param name="Node">The hosting node's name (for example <c>local</c> or <c>worker-1</c>).</param>
/// <param name="Path">The slash-separated path, starting with <c>/</c> (for example <c>/user/counter</c>).</param>
/// <param name="Uid">Unique per incarnation on its node; 0 means "any incarnation".</param>
public readonly record struct ActorId(string Node, string Path, long Uid)
{
    /// <summary>The URI-like scheme every printed actor id starts with.</summary>
    public const string Scheme = "actors://";

    /// <summary>Prints as <c>actors://node/path#uid</c>; <see cref="Parse"/> reads it back.</summary>
    public override string ToString() => $"{Scheme}{Node}{Path}#{Uid}";

    /// <summary>Reads the form printed by <see cref="ToString"/>.</summary>
    /// <exception cref="FormatException">The text is not of the form <c>actors://node/path#uid</c>.</exception>
    public static ActorId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            throw new FormatException($"'{text}' is not an actor id: it must start with '{Scheme}'.");
        }
        int slash = text.IndexOf('/', Scheme.Length);
        int hash = text.LastIndexOf('#');
        if (slash <= Scheme.Length || hash < slash
            || !long.TryParse(text.AsSpan(hash + 1), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long uid))
        {
            throw new FormatException($"'{text}' is not an actor id of the form {Scheme}node/path#uid.");
        }
        return new ActorId(text[Scheme.Length..slash], text[slash..hash], uid);
    }
}
