using System.Diagnostics;
using Actors;
using Actors.Samples.ImageBatch;

// The seed's batch image processing, for real: every image in a folder is decoded, resized, watermarked and
// re-encoded, sequentially and then on the Pool, and the seed's three lines are printed.
//   dotnet run -c Release --project samples/ImageBatch -- [INPUT_FOLDER [OUTPUT_FOLDER]]
// With no input folder, 20 test images (1024x768 JPEGs) are generated first, in a temporary folder removed afterwards.
Coordinator.FreezeSupport();
if (args.Length > 2)
{
    Console.Error.WriteLine("error: usage: [INPUT_FOLDER [OUTPUT_FOLDER]]");
    return 2;
}
string scratch = Directory.CreateTempSubdirectory("actors-images-").FullName;
try
{
    string input = args.Length > 0 ? args[0] : Path.Combine(scratch, "input");
    if (args.Length == 0)
    {
        ImageJob.Generate(input, 20);
    }
    else if (!Directory.Exists(input))
    {
        Console.Error.WriteLine($"error: the input folder '{input}' does not exist");
        return 2;
    }
    string output = args.Length > 1 ? args[1] : Path.Combine(scratch, "output");
    Directory.CreateDirectory(output);
    string[] filepaths = [.. Directory.EnumerateFiles(input).Order(StringComparer.Ordinal)];

    using Pool pool = Pool.Start();
    ImageJob.Process(filepaths.FirstOrDefault() ?? "", output); // warm both ways once, so neither is timed cold
    pool.Map(path => ImageJob.Process(path, output), filepaths.Take(pool.Processes).ToArray(), chunksize: 1);

    // Sequential processing
    long start = Stopwatch.GetTimestamp();
    List<ProcessResult> sequential = [.. filepaths.Select(path => ImageJob.Process(path, output))];
    double seqTime = Stopwatch.GetElapsedTime(start).TotalSeconds;

    // Parallel processing
    start = Stopwatch.GetTimestamp();
    List<ProcessResult> parallel = pool.Map(path => ImageJob.Process(path, output), filepaths, chunksize: 1);
    double parTime = Stopwatch.GetElapsedTime(start).TotalSeconds;

    foreach (ProcessResult failed in parallel.Where(r => !r.Success))
    {
        Console.WriteLine($"failed: {failed.Filename}: {failed.Message}");
    }
    int success = parallel.Count(r => r.Success);
    Console.WriteLine($"Processed: {success}/{filepaths.Length}");
    Console.WriteLine($"Sequential: {seqTime:F2}s, Parallel: {parTime:F2}s");
    Console.WriteLine($"Speedup: {seqTime / parTime:F1}x");
    return sequential.Count(r => r.Success) == success ? 0 : 1;
}
finally
{
    Directory.Delete(scratch, recursive: true);
}
