namespace Actors.Runtime.Tasks;

/// <summary>A child process's target and its arguments, as they travel in its bootstrap.</summary>
internal sealed record ProcessTarget(TaskFunction Function, object?[] Arguments);
