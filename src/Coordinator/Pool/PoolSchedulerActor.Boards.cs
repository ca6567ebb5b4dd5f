using Actors.Runtime.Lane;
using Akka.Actor;

namespace Actors.Coordination.Pooling;

/// <summary>
/// Eager maps of heavy tasks on a <see cref="TaskBoard"/>: the whole input goes on a shared-memory board once, each
/// worker holds one ticket at a time, and the workers claim its pieces themselves. The pieces a lost worker had run go
/// again as chunks, and the one it was running as a suspect, as a chunk in flight would; pieces a board could not run go
/// the usual chunk path.
/// </summary>
internal sealed partial class PoolSchedulerActor
{
    /// <summary>
    /// How long one ticket runs pieces before its runner replies. A worker holds one ticket at a time: it sits idle for a
    /// round trip once per budget, and a board smaller than that costs one message each way per worker. Results of a long
    /// map come back at this pace.
    /// </summary>
    private static readonly TimeSpan TicketBudget = TimeSpan.FromMilliseconds(100);

    private readonly TaskBoard.Arena _arena = new();

    /// <summary>A ticket on its way: <paramref name="Claimer"/> is the pid its pieces are claimed under.</summary>
    private sealed record Ticket(Slot Slot, LaneConnection Runner, TaskBoard Board, int Claimer);

    /// <summary>
    /// Whether a new call goes on a board: an eager call over a collection (read at once, in memory already) that left the
    /// chunk size to the pool, of a task whose last call took at least <see cref="MinBoardMicrosecondsPerItem"/> per item,
    /// with no per-task timeout or per-worker task limit (both count per chunk), and every worker on this machine.
    /// <para>Tiny tasks stay on chunks: there the coordinator encodes a chunk while the workers run the one before, and
    /// decodes results as they come, where a board encodes the whole input before any worker starts and its results come
    /// in a few large replies. Measured: a map of a million tiny tasks ran 7-10 M items/s on a board, 14-15 M as chunks;
    /// 20,000 single-item pieces (a chunk size the call chose), 0.2 M/s, against 1.4-5 M as chunks merged into messages.</para>
    /// </summary>
    private bool BoardFits(PoolJob job) =>
        job.Taken == 0 && job.Stopped is null && job.Window == int.MaxValue && !job.ReadInBackground && !job.ChunksizeGiven && job.Total >= MinBoardItems
        && _costs.TryGetValue(CostKey(job), out double perItem) && perItem >= MinBoardMicrosecondsPerItem
        && _options.TaskTimeout is null && _options.MaxTasksPerChild is null && _slots.Count > 0
        && _slots.TrueForAll(s => _coordinator.IsLocal(s.Worker));

    /// <summary>How long one item of each task took in its last call that ran some (µs), by task; read by <see cref="BoardFits"/>.</summary>
    private readonly Dictionary<(string, int), double> _costs = [];

    private static (string, int) CostKey(PoolJob job) => (job.Function.DeclaringType, job.Function.MethodToken);

    /// <summary>Records how long the items of an ended call took, for the task's next call.</summary>
    private void RememberCost(PoolJob job)
    {
        if (!double.IsNaN(job.MicrosecondsPerItem))
        {
            _costs[CostKey(job)] = job.MicrosecondsPerItem;
        }
    }

    /// <summary>The least work per item (µs) for a call to go on a board (see <see cref="BoardFits"/>).</summary>
    private const double MinBoardMicrosecondsPerItem = 5;

    /// <summary>Below this many items a call goes as chunks: a board costs a segment and its mapping on every worker.</summary>
    private const int MinBoardItems = 16;

    /// <summary>
    /// The most items a piece holds: its arrays (8-byte items, and their results) stay under the large-object heap's 85 KB.
    /// Measured with 62,500-item pieces: a map of a million tiny tasks fell from 21 M to 4-6 M items/s, every piece's
    /// arrays collected in gen 2 on the workers and the coordinator.
    /// </summary>
    private const int MaxPieceItems = 4096;

    /// <summary>Puts every new call that fits on a board of its own.</summary>
    private void OpenBoards()
    {
        foreach (PoolJob job in _jobs)
        {
            if (!BoardFits(job))
            {
                continue;
            }
            var pieces = new List<Chunk>();
            lock (job.InputLock)
            {
                while (job.CanTake && job.TakeChunk(++_chunkCounter, PieceSize(job)) is { } piece)
                {
                    pieces.Add(piece);
                }
            }
            // A piece that cannot be encoded goes as the call's chunks, which fail as they always did (each item that cannot travel, named).
            if (TaskBoard.Create(job, pieces, _coordinator.Serializer, piece => Requeue(piece.Rest(0, job.Chunksize)), _arena) is { } board)
            {
                _boards.Add(board);
            }
        }
    }

    /// <summary>
    /// An eighth of what is left per worker (CPython's default chunk size is a quarter of the input per worker), so pieces
    /// shrink towards the end and the workers finish together, down to 1/256 of the input per worker; at most
    /// <see cref="MaxPieceItems"/>.
    /// </summary>
    private int PieceSize(PoolJob job)
    {
        int workers = Math.Max(1, _slots.Count);
        int total = job.Total ?? job.Taken;
        int left = total - job.Taken;
        return Math.Min(MaxPieceItems, Math.Max(Math.Max(1, total / (workers * 256)), (left + (8 * workers) - 1) / (8 * workers)));
    }

    private void SendTicket(Slot slot, LaneConnection runner, TaskBoard board)
    {
        PoolJob job = board.Job;
        var ticket = new Ticket(slot, runner, board, slot.Pid);
        EnsureTrusted(slot, runner, job.Trust);
        slot.Tickets.Add(ticket);
        board.Tickets++;
        runner.Request(new RunBoard(_poolId, job.Id, job.Function, board.Path, board.Pieces.Count, ticket.Claimer, job.Cancellable, TicketBudget.TotalMicroseconds,
            runner.MaxMessageSize / 4), Self, ticket, _poolId);
    }

    /// <summary>A ticket's reply: the results of the pieces it ran, or the loss of its worker.</summary>
    private void OnTicketReply(Ticket ticket, LaneReply reply)
    {
        (Slot slot, LaneConnection runner, TaskBoard board, int claimer) = ticket;
        slot.Tickets.Remove(ticket);
        board.Tickets--;
        if (reply.Failure is NodeLostException lost)
        {
            // What that process claimed and did not report runs again elsewhere: the pieces it had run as plain retries, the one
            // it was running (at most one) as a chunk in flight on a dead worker, which may be what killed it.
            if (slot.Runner == runner)
            {
                slot.Runner = null;
            }
            foreach (int piece in board.UnsettledClaimedBy(claimer).ToArray())
            {
                if (board.HasRun(piece))
                {
                    Requeue([Settled(board, piece)]);
                }
                else
                {
                    slot.Lost.Add(Settled(board, piece));
                    slot.LostError ??= lost;
                }
            }
            if (slot.Lost.Count == 0 && slot.Busy == 0 && slot.Runner is null)
            {
                Revive(slot); // it held no piece that was running: nothing to settle first
            }
        }
        else
        {
            var result = reply.Message as BoardResult;
            foreach (ChunkResult ran in result?.Results ?? [])
            {
                if (ran.Chunk >= 0 && ran.Chunk < board.Pieces.Count && board.Settle(ran.Chunk))
                {
                    Chunk piece = board.Pieces[ran.Chunk];
                    piece.Job.ObserveRunTime(ran.Ran, ran.RunMicroseconds);
                    piece.Job.Complete(piece, ran.Ran, (Array)ran.Results, ran.FailedOffsets, ran.Failures);
                }
            }
            if (reply.Failure is not null || result?.Failure is not null)
            {
                // The runner could not read the board (or a piece on it): the rest goes as chunks, which report such a failure item by item.
                board.Stop();
                Requeue([.. board.UnsettledClaimedBy(claimer).Select(piece => Settled(board, piece))]);
            }
        }
        SettleBoards();
        SettleIfLost(slot);
        Pump();
    }

    private static Chunk Settled(TaskBoard board, int piece)
    {
        board.Settle(piece);
        return board.Pieces[piece];
    }

    /// <summary>
    /// A drained board with no ticket out hands what it could not run (pieces of a worker that died as it claimed them, of a
    /// stopped board) to the usual chunk path; a board whose call has ended, with no ticket out, is removed.
    /// </summary>
    private void SettleBoards()
    {
        foreach (TaskBoard board in _boards.ToArray())
        {
            if (board.Job.Stopped is not null)
            {
                board.Stop(); // failed fast, cancelled, terminated: tickets under way return with what they ran
            }
            if (board.Tickets > 0)
            {
                continue;
            }
            if (board.Job.Stopped is null && board.Drained)
            {
                Requeue([.. board.Unsettled().ToArray().Select(piece => Settled(board, piece))]);
            }
            if (board.Job.Stopped is not null || board.AllSettled)
            {
                _boards.Remove(board);
                board.Dispose();
            }
        }
    }
}
