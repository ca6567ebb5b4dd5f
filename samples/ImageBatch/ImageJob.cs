using System.Diagnostics;
using SkiaSharp;

namespace Actors.Samples.ImageBatch;

/// <summary>What became of one image (the seed's <c>ProcessResult</c>).</summary>
public sealed record ProcessResult(string Filename, bool Success, double Elapsed, string Message = "");

/// <summary>The work on one image, and test images to work on when none are given.</summary>
public static class ImageJob
{
    /// <summary>The longest side of an output image.</summary>
    public const int MaxSide = 512;

    /// <summary>
    /// Decodes <paramref name="path"/> (checked with <see cref="SKCodec"/>: <c>SKBitmap.Decode</c> throws on random bytes
    /// and decodes a truncated JPEG without a word), resizes it to at most <see cref="MaxSide"/> on its longest side,
    /// draws a watermark (a translucent badge in the corner: this SkiaSharp build finds no system font), and writes it as
    /// a JPEG into <paramref name="outputFolder"/>. A missing, corrupt or truncated file is a failed result, never a throw.
    /// </summary>
    public static ProcessResult Process(string path, string outputFolder)
    {
        long start = Stopwatch.GetTimestamp();
        string name = Path.GetFileName(path);
        double Elapsed() => Stopwatch.GetElapsedTime(start).TotalSeconds;
        try
        {
            if (!File.Exists(path))
            {
                return new ProcessResult(name, false, Elapsed(), "file not found");
            }
            using SKCodec? codec = SKCodec.Create(path, out SKCodecResult opened);
            if (codec is null)
            {
                return new ProcessResult(name, false, Elapsed(), $"not an image SkiaSharp can read ({opened})");
            }
            var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
            using var decoded = new SKBitmap(info);
            SKCodecResult read = codec.GetPixels(info, decoded.GetPixels());
            if (read != SKCodecResult.Success)
            {
                return new ProcessResult(name, false, Elapsed(), $"the image could not be decoded whole ({read})");
            }
            double scale = Math.Min(1.0, (double)MaxSide / Math.Max(info.Width, info.Height));
            var size = new SKImageInfo(Math.Max(1, (int)(info.Width * scale)), Math.Max(1, (int)(info.Height * scale)), SKColorType.Rgba8888, SKAlphaType.Premul);
            using SKBitmap resized = decoded.Resize(size, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None))
                ?? throw new InvalidOperationException("resizing failed");
            Watermark(resized);
            using SKImage image = SKImage.FromBitmap(resized);
            using SKData jpeg = image.Encode(SKEncodedImageFormat.Jpeg, 85);
            string target = Path.Combine(outputFolder, Path.ChangeExtension(name, ".jpg"));
            using (FileStream output = File.Create(target))
            {
                jpeg.SaveTo(output);
            }
            return new ProcessResult(name, true, Elapsed(), $"{info.Width}x{info.Height} -> {size.Width}x{size.Height}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            return new ProcessResult(name, false, Elapsed(), ex.Message);
        }
    }

    private static void Watermark(SKBitmap bitmap)
    {
        using var canvas = new SKCanvas(bitmap);
        float side = Math.Max(8, Math.Min(bitmap.Width, bitmap.Height) / 6f);
        var badge = SKRect.Create(bitmap.Width - side - 4, bitmap.Height - side - 4, side, side);
        using var fill = new SKPaint { Color = new SKColor(255, 255, 255, 110), IsAntialias = true };
        using var ring = new SKPaint { Color = new SKColor(0, 0, 0, 140), IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = Math.Max(1, side / 10) };
        canvas.DrawOval(badge, fill);
        canvas.DrawOval(badge, ring);
        canvas.DrawLine(badge.Left + (side / 4), badge.MidY, badge.Right - (side / 4), badge.MidY, ring);
    }

    /// <summary>Writes <paramref name="count"/> JPEG test images (gradients with shapes) of the given size into <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> Generate(string folder, int count, int width = 1024, int height = 768)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            using var bitmap = new SKBitmap(width, height);
            using (var canvas = new SKCanvas(bitmap))
            {
                using var gradient = new SKPaint
                {
                    Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(width, height),
                        [new SKColor((byte)(i * 37), 120, 200), new SKColor(250, (byte)(i * 53), 90)], SKShaderTileMode.Clamp),
                };
                canvas.DrawRect(0, 0, width, height, gradient);
                using var shape = new SKPaint { Color = new SKColor(20, 20, 20, 160), IsAntialias = true };
                canvas.DrawCircle(width * (0.2f + (0.06f * (i % 10))), height / 2f, height / 5f, shape);
            }
            string path = Path.Combine(folder, $"photo_{i:D4}.jpg");
            using SKImage image = SKImage.FromBitmap(bitmap);
            using SKData data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
            using FileStream output = File.Create(path);
            data.SaveTo(output);
            paths.Add(path);
        }
        return paths;
    }
}
