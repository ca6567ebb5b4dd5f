using System.ComponentModel;
using System.Diagnostics;

namespace Actors.Coordination.Workers;

/// <summary>
/// A worker's OS process as its slot (<see cref="WorkerProcess"/>) sees it: a child of this process, or a process a host
/// agent started on another machine. The slot supervises both the same way.
/// </summary>
internal abstract class WorkerHandle
{
    public abstract int Pid { get; }

    /// <summary>Completes with the exit code (128 + N after signal N) once the process has exited, or its host was lost.</summary>
    public abstract Task<int> Exited { get; }

    /// <summary>Set when <see cref="Exited"/> completed because the process's host left the cluster, not because it exited.</summary>
    public virtual string? HostLost => null;

    /// <summary>Writes a line to the process's standard input; a process that died before reading it is told apart by its exit.</summary>
    public abstract ValueTask WriteLineAsync(string line, CancellationToken cancellationToken);

    /// <summary>SIGKILL; nothing if it has exited.</summary>
    public abstract void Kill();
}

/// <summary>A worker process that is a child of this one.</summary>
internal sealed class LocalWorkerHandle : WorkerHandle
{
    private readonly Process _process;

    private LocalWorkerHandle(Process process)
    {
        _process = process;
        Pid = process.Id; // read now: the process object is disposed once it has exited
        Exited = WaitAsync(process);
    }

    /// <exception cref="WorkerStartException">The program could not be run.</exception>
    public static LocalWorkerHandle Start(string name, ProcessStartInfo startInfo)
    {
        try
        {
            return new LocalWorkerHandle(Process.Start(startInfo) ?? throw new WorkerStartException($"Starting {name} returned no process."));
        }
        catch (Win32Exception ex)
        {
            throw new WorkerStartException($"Cannot start {name}: '{startInfo.FileName}' could not be run ({ex.Message}).", ex);
        }
    }

    private static async Task<int> WaitAsync(Process process)
    {
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        int code = process.ExitCode;
        process.Dispose();
        return code;
    }

    public override int Pid { get; }

    public override Task<int> Exited { get; }

    public override async ValueTask WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(line).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // It died before reading this; the exit says how.
        }
    }

    public override void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // It has exited already.
        }
    }
}
