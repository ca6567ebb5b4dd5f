namespace Actors.Tests.Library;

/// <summary>An item type from a class library the app references.</summary>
public sealed record Job(int Id, string Name);

/// <summary>A result type from the same library.</summary>
public sealed record JobResult(int Id, string Summary, int Pid);

/// <summary>Tasks defined in the library.</summary>
public static class JobTasks
{
    public static JobResult Run(Job job) => new(job.Id, $"{job.Name}:{job.Id * 2}", Environment.ProcessId);
}
