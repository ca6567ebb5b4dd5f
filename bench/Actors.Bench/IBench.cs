namespace Actors.Bench;

/// <summary>One named benchmark; it reports one or more metrics, each as the median of its runs.</summary>
internal interface IBench
{
    string Name { get; }

    int DefaultRepeats { get; }

    Task RunAsync(BenchSink sink, int repeats);
}
