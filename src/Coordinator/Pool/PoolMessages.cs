using Actors.Runtime.Tasks;
namespace Actors.Coordination.Pooling;

/// <summary>
/// Runs <paramref name="Items"/> (a typed array: one element per task, tuples for several arguments) through the job's
/// function. With <paramref name="GiveBackAfterMicroseconds"/> above 0 (several chunks sent as one message), the worker
/// stops at a boundary of <paramref name="Unit"/> items once that time has passed and gives back the items it has not
/// started: tasks that turn slow do not stay stuck behind one another on one worker.
/// </summary>
internal sealed record RunChunk(string Pool, long Job, int Chunk, TaskFunction Function, object Items, bool Cancellable, int Unit, double GiveBackAfterMicroseconds) : ILaneRouted
{
    public string Route => Pool;
}

/// <summary>
/// The outcome of a chunk: <paramref name="Results"/> (a typed array, default where an item failed), the
/// failed item offsets within the chunk with their exceptions, whether the worker wants to be recycled, and
/// how long the items took to run on the worker (which tells the scheduler how many to send at a time).
/// </summary>
/// <paramref name="Ran"/> is how many items, from the first, were run; the rest were given back unstarted.
/// <paramref name="IdleMicroseconds"/> is how long the runner waited for this chunk after its previous one ended: the round
/// trip that the chunks queued on it did not hide.
internal sealed record ChunkResult(long Job, int Chunk, object Results, int[] FailedOffsets, Exception[] Failures, bool Recycle, double RunMicroseconds, int Ran,
    double IdleMicroseconds = 0);

/// <summary>
/// A ticket for a <see cref="TaskBoard"/>: the runner claims pieces of the board at <paramref name="Path"/> (<paramref name="Pieces"/>
/// of them) as <paramref name="Claimer"/> and runs them, until none is left, <paramref name="BudgetMicroseconds"/> have passed or
/// their results would encode to about <paramref name="MaxReplyBytes"/>, and replies with a <see cref="BoardResult"/>.
/// </summary>
internal sealed record RunBoard(string Pool, long Job, TaskFunction Function, string Path, int Pieces, int Claimer, bool Cancellable, double BudgetMicroseconds,
    int MaxReplyBytes) : ILaneRouted
{
    public string Route => Pool;
}

/// <summary>
/// The outcomes of the pieces a ticket ran (each <see cref="ChunkResult.Chunk"/> is a piece's position on the board). With
/// <paramref name="Failure"/>, the runner could not read the board or a piece it claimed: the scheduler stops the board,
/// and what is left of it goes as ordinary chunks, where such a failure is reported item by item.
/// </summary>
internal sealed record BoardResult(long Job, ChunkResult[] Results, Exception? Failure = null);

/// <summary>Cancels the tokens handed to the tasks of one job of one pool, on one worker.</summary>
internal sealed record CancelJob(string Pool, long Job) : ILaneRouted
{
    public string Route => Pool + "/cancel";
}

/// <summary>
/// The job has ended: its runner drops the job's cancellation source. Sent to the runner itself, so it comes
/// after every chunk of the job that runner was sent.
/// </summary>
internal sealed record ForgetJob(string Pool, long Job) : ILaneRouted
{
    public string Route => Pool;
}
