namespace Actors.Coordination.Pooling;

/// <summary>Runs <paramref name="Items"/> (a typed array: one element per task, tuples for several arguments) through the job's function.</summary>
internal sealed record RunChunk(long Job, int Chunk, TaskFunction Function, object Items, bool Cancellable);

/// <summary>
/// The outcome of a chunk: <paramref name="Results"/> (a typed array, default where an item failed), the
/// failed item offsets within the chunk with their exceptions, whether the worker wants to be recycled, and
/// how long the items took to run on the worker (which tells the scheduler how many to send at a time).
/// </summary>
internal sealed record ChunkResult(long Job, int Chunk, object Results, int[] FailedOffsets, Exception[] Failures, bool Recycle, double RunMicroseconds);

/// <summary>Asks every runner on a worker to cancel the tokens handed to a job's tasks.</summary>
internal sealed record CancelJob(long Job);
