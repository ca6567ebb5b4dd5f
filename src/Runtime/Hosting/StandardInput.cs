namespace Actors.Runtime.Hosting;

/// <summary>
/// A child's standard input, read as raw bytes: its parent writes the bootstrap there and holds it open for its whole
/// life. No console reader is set up (that cost tens of milliseconds of every child's start), and nothing is read past
/// the line asked for.
/// </summary>
internal sealed class StandardInput : IDisposable
{
    private readonly Stream _input = Console.OpenStandardInput();

    /// <summary>One line of ASCII (bootstraps are JSON or base64), blocking this thread; null at end of file.</summary>
    public string? ReadLine()
    {
        var line = new System.Text.StringBuilder();
        byte[] one = new byte[1];
        while (_input.Read(one) == 1)
        {
            if (one[0] == (byte)'\n')
            {
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
        return line.Length > 0 ? line.ToString() : null;
    }

    /// <summary>Completes at end of file: the parent is gone (or released this standby).</summary>
    public async Task ClosedAsync()
    {
        byte[] buffer = new byte[64];
        while (await _input.ReadAsync(buffer).ConfigureAwait(false) > 0)
        {
        }
    }

    public void Dispose() => _input.Dispose();
}
