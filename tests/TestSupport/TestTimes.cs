using System.Globalization;

namespace Actors.TestSupport;

/// <summary>
/// Stretches every test timeout by <c>ACTORS_TEST_TIME_FACTOR</c> (default 1), so a slow CI machine
/// gets more time without any test changing.
/// </summary>
public static class TestTimes
{
    /// <summary>The environment variable that holds the factor.</summary>
    public const string FactorVariable = "ACTORS_TEST_TIME_FACTOR";

    /// <summary>The factor in effect (at least 1).</summary>
    public static double Factor { get; } =
        double.TryParse(Environment.GetEnvironmentVariable(FactorVariable), NumberStyles.Float, CultureInfo.InvariantCulture, out double f) && f >= 1 ? f : 1;

    /// <summary>The default wait of an expectation, before dilation.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary><paramref name="timeout"/> (or the default) times <see cref="Factor"/>.</summary>
    public static TimeSpan Dilated(TimeSpan? timeout = null) => (timeout ?? DefaultTimeout) * Factor;
}
