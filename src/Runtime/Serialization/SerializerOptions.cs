using System.Reflection;

namespace Actors;

/// <summary>
/// What the default <see cref="PayloadSerializer"/> may encode, and which type names it accepts from
/// a peer. Beyond the base library's safe types (primitives, strings, dates, collections, tuples,
/// exceptions) only types from <see cref="AllowedAssemblies"/>, the app's entry assembly and the
/// runtime's own assemblies are accepted.
/// </summary>
public sealed record SerializerOptions
{
    /// <summary>The nesting depth beyond which a graph is refused (it is almost surely cyclic or hostile).</summary>
    public const int DefaultMaxDepth = 64; // deep enough for real messages, shallow enough for the stack

    private readonly int _maxDepth = DefaultMaxDepth;

    /// <summary>The app's assemblies whose types may be sent and received.</summary>
    public IReadOnlyList<Assembly> AllowedAssemblies { get; init; } = [];

    /// <summary>The deepest nesting of objects accepted when encoding or decoding.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int MaxDepth
    {
        get => _maxDepth;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxDepth)); _maxDepth = value; }
    }

    /// <summary>These options plus the assemblies that define <paramref name="types"/>.</summary>
    public SerializerOptions Allow(params Type[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        return this with { AllowedAssemblies = [.. AllowedAssemblies.Concat(types.Select(t => t.Assembly)).Distinct()] };
    }
}
