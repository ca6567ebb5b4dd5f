using Actors.Samples.ImageBatch;

namespace Actors.Samples.Tests;

/// <summary>The batch image job on a few small generated images, one corrupt file and one truncated JPEG.</summary>
public sealed class ImageBatchTests
{
    [Fact]
    public async Task RealImagesAreProcessed_CorruptAndTruncatedFilesFailAlone_TheBatchCompletes()
    {
        string root = Directory.CreateTempSubdirectory("actors-image-test-").FullName;
        try
        {
            string input = Path.Combine(root, "in");
            string output = Path.Combine(root, "out");
            IReadOnlyList<string> images = ImageJob.Generate(input, 3, width: 640, height: 480);
            await File.WriteAllBytesAsync(Path.Combine(input, "broken.jpg"), [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251))]);
            byte[] whole = await File.ReadAllBytesAsync(images[0]);
            await File.WriteAllBytesAsync(Path.Combine(input, "cut.jpg"), whole[..(whole.Length / 2)]);

            SampleRun run = await SampleRun.RunAsync("Actors.Samples.ImageBatch.dll", input, output);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}{run.Output}");
            string[] lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Contains("Processed: 3/5", lines);
            Assert.Contains(lines, l => l.StartsWith("failed: broken.jpg: ", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.StartsWith("failed: cut.jpg: ", StringComparison.Ordinal));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Sequential: \d+\.\d\ds, Parallel: \d+\.\d\ds$"));
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Speedup: \d+\.\dx$"));
            foreach (string image in images)
            {
                string written = Path.Combine(output, Path.GetFileName(image));
                using var codec = SkiaSharp.SKCodec.Create(written);
                Assert.NotNull(codec);
                Assert.Equal(ImageJob.MaxSide, Math.Max(codec.Info.Width, codec.Info.Height)); // resized
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void MissingFile_IsAFailedResultWithItsMessage_NotAThrow()
    {
        ProcessResult result = ImageJob.Process("/nowhere/photo.jpg", Path.GetTempPath());
        Assert.False(result.Success);
        Assert.Equal("photo.jpg", result.Filename);
        Assert.Equal("file not found", result.Message);
    }
}
