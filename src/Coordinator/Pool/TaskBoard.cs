using Actors.Runtime.Serialization;
using Actors.Runtime.SharedMemory;

namespace Actors.Coordination.Pooling;

/// <summary>
/// An eager map's whole input on a shared-memory segment, cut into pieces that the workers on this machine claim
/// themselves, the way threads take work from a shared counter: a worker sent a ticket (<see cref="RunBoard"/>) claims
/// the next piece with one atomic add, runs it, and claims again, with no round trip to the coordinator in between, and
/// sends the results of all it ran in one reply. Pieces get smaller towards the end of the input, so the workers
/// finish together.
/// <para>Why (a map of 2,000 numbers whose tasks take 35 ms together, 2 cores): sent chunk by chunk, every chunk cost a
/// message each way and wake-ups on the coordinator and the worker while both cores ran tasks, and the end of the map
/// waited for a coordinator that had to be scheduled in to send the last chunks: the pool reached 0.82-0.87 of the speed
/// of two threads in this process. See the README's <c>cpu_speedup</c> figures for what boards do.</para>
/// <para>Layout: the index of the next piece to claim (an int at 0), the stop flag (an int at 4); from 64, the claimer
/// of each piece (an int: its worker's pid, written right after the claim), whether it has run (an int each), the offset
/// of each piece's encoded items and the end of the last (a long each); then the encoded items.</para>
/// </summary>
internal sealed class TaskBoard : IDisposable
{
    private const int NextAt = 0;
    private const int StopAt = 4;
    private const int HeaderSize = 64;

    private readonly Segment _segment;
    private readonly Arena _arena;
    private readonly bool[] _settled;

    private TaskBoard(PoolJob job, Segment segment, Arena arena, Chunk[] pieces)
    {
        Job = job;
        _segment = segment;
        _arena = arena;
        Pieces = pieces;
        _settled = new bool[pieces.Length];
    }

    public PoolJob Job { get; }

    /// <summary>The pieces, in board order: a result names its piece by this position.</summary>
    public IReadOnlyList<Chunk> Pieces { get; }

    public string Path => _segment.Path;

    /// <summary>Tickets sent and not answered yet.</summary>
    public int Tickets { get; set; }

    /// <summary>Every piece has been claimed, or the board was stopped: a new ticket would find nothing.</summary>
    public bool Drained => Volatile.Read(ref _segment.At<int>(StopAt)) != 0 || Volatile.Read(ref _segment.At<int>(NextAt)) >= Pieces.Count;

    /// <summary>
    /// Puts <paramref name="pieces"/> on a new board. A piece whose items cannot be encoded is handed to
    /// <paramref name="unsendable"/> and left off; null if no piece is left.
    /// </summary>
    public static TaskBoard? Create(PoolJob job, IReadOnlyList<Chunk> pieces, IPayloadSerializer serializer, Action<Chunk> unsendable, Arena arena)
    {
        var encoded = new List<(Chunk Piece, byte[] Items)>(pieces.Count);
        foreach (Chunk piece in pieces)
        {
            try
            {
                encoded.Add((piece, serializer.Serialize<object>(piece.Items)));
            }
            catch (PayloadSerializationException)
            {
                unsendable(piece);
            }
        }
        if (encoded.Count == 0)
        {
            return null;
        }
        int count = encoded.Count;
        long offsetsAt = OffsetsAt(count);
        long dataAt = offsetsAt + (8L * (count + 1));
        Segment segment = arena.Rent(dataAt + encoded.Sum(e => (long)e.Items.Length));
        Span<long> offsets = segment.Elements<long>(offsetsAt, count + 1);
        long at = dataAt;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = at;
            encoded[i].Items.CopyTo(segment.Bytes(at, encoded[i].Items.Length));
            at += encoded[i].Items.Length;
        }
        offsets[count] = at;
        return new TaskBoard(job, segment, arena, [.. encoded.Select(e => e.Piece)]);
    }

    /// <summary>No piece is claimed from now on; tickets under way return with what they ran.</summary>
    public void Stop() => Volatile.Write(ref _segment.At<int>(StopAt), 1);

    /// <summary>
    /// Marks a piece as dealt with (its results recorded, or handed to the usual chunk path); false if it was already.
    /// </summary>
    public bool Settle(int piece)
    {
        if (_settled[piece])
        {
            return false;
        }
        _settled[piece] = true;
        return true;
    }

    /// <summary>The pieces not dealt with yet that the process <paramref name="pid"/> claimed.</summary>
    public IEnumerable<int> UnsettledClaimedBy(int pid) =>
        Enumerable.Range(0, Pieces.Count).Where(i => !_settled[i] && Volatile.Read(ref _segment.At<int>(ClaimerAt(i))) == pid);

    /// <summary>Whether the piece's claimer finished running it (its results may still have been lost with it).</summary>
    public bool HasRun(int piece) => Volatile.Read(ref _segment.At<int>(RanAt(Pieces.Count, piece))) != 0;

    /// <summary>The pieces not dealt with yet.</summary>
    public IEnumerable<int> Unsettled() => Enumerable.Range(0, Pieces.Count).Where(i => !_settled[i]);

    public bool AllSettled => Array.TrueForAll(_settled, s => s);

    /// <summary>Gives the segment back for the next board: called once no ticket of this one is out, so none can claim on the next.</summary>
    public void Dispose() => _arena.Return(_segment, Pieces.Count);

    private static long ClaimerAt(int piece) => HeaderSize + (4L * piece);

    private static long RanAt(int count, int piece) => HeaderSize + (4L * count) + (4L * piece);

    private static long OffsetsAt(int count) => (HeaderSize + (8L * count) + 7) / 8 * 8;

    /// <summary>
    /// A pool's board segments, reused: making one and removing it cost ~250 and ~200 µs here (a file, its size, two
    /// mappings, their page faults; then the same undone on every worker), more than a small map takes. A worker keeps the
    /// segment mapped between its tickets.
    /// </summary>
    internal sealed class Arena
    {
        /// <summary>Larger segments are removed after their board, not kept for the next (and workers let go of them).</summary>
        public const long MaxKept = 64L << 20;

        private const int MaxSpare = 2;

        private readonly List<Segment> _spare = [];

        public Segment Rent(long size)
        {
            int fit = _spare.FindIndex(s => s.Size >= size);
            if (fit >= 0)
            {
                Segment reused = _spare[fit];
                _spare.RemoveAt(fit);
                return reused;
            }
            return Segment.Create(Session.NewPath("board"), Math.Max(size, 64 << 10));
        }

        /// <summary>Takes a segment back, its header and claims cleared; removes it if it is too large or enough are spare.</summary>
        public void Return(Segment segment, int count)
        {
            if (segment.Size > MaxKept || _spare.Count >= MaxSpare)
            {
                Remove(segment);
                return;
            }
            segment.Bytes(0, (int)OffsetsAt(count)).Clear();
            _spare.Add(segment);
        }

        /// <summary>Removes the spare segments (the pool is stopping).</summary>
        public void RemoveAll()
        {
            _spare.ForEach(Remove);
            _spare.Clear();
        }

        /// <summary>Removes the file; workers still mapping it keep their mapping until they let go.</summary>
        private static void Remove(Segment segment)
        {
            try
            {
                segment.Unlink();
            }
            catch (IOException)
            {
                // the session was removed already (the coordinator is stopping)
            }
            segment.Dispose();
        }
    }

    /// <summary>A worker's view of one board on a mapped segment: claims pieces and reads their items.</summary>
    internal sealed class View
    {
        private readonly Segment _segment;
        private readonly int _count;

        private View(Segment segment, int count)
        {
            _segment = segment;
            _count = count;
        }

        /// <summary>Claims the next piece for <paramref name="pid"/>; null once every piece is claimed or the board is stopped.</summary>
        public int? Claim(int pid)
        {
            if (Volatile.Read(ref _segment.At<int>(StopAt)) != 0)
            {
                return null;
            }
            int piece = Interlocked.Increment(ref _segment.At<int>(NextAt)) - 1;
            if (piece >= _count)
            {
                return null;
            }
            Volatile.Write(ref _segment.At<int>(ClaimerAt(piece)), pid);
            return piece;
        }

        /// <summary>Records that the piece has run: if its worker dies before replying, it is run again, but not suspected of the death.</summary>
        public void Ran(int piece) => Volatile.Write(ref _segment.At<int>(RanAt(_count, piece)), 1);

        /// <summary>The encoded items of a piece.</summary>
        /// <exception cref="InvalidDataException">Its offsets point outside the segment.</exception>
        public ReadOnlySpan<byte> Items(int piece)
        {
            long start = _segment.At<long>(OffsetsAt(_count) + (8L * piece));
            long end = _segment.At<long>(OffsetsAt(_count) + (8L * (piece + 1)));
            if (start < OffsetsAt(_count) || end < start || end > _segment.Size || end - start > int.MaxValue)
            {
                throw new InvalidDataException($"The board {_segment.Path} names bytes {start}..{end} for piece {piece}, outside its {_segment.Size} bytes.");
            }
            return _segment.Bytes(start, (int)(end - start));
        }

        /// <summary>Maps the segment at <paramref name="path"/>, which must be a segment of this process tree's session.</summary>
        /// <exception cref="InvalidDataException">The path is not a session segment.</exception>
        public static Segment Map(string path) =>
            Session.IsInternalPath(path) ? Segment.Attach(path) : throw new InvalidDataException($"'{path}' is not a task board of this session.");

        /// <summary>The board of <paramref name="count"/> pieces on a mapped segment.</summary>
        /// <exception cref="InvalidDataException">The segment is too small for that many pieces.</exception>
        public static View Of(Segment segment, int count) =>
            count >= 1 && segment.Size >= OffsetsAt(count) + (8L * (count + 1))
                ? new View(segment, count)
                : throw new InvalidDataException($"The board {segment.Path} has {segment.Size} bytes, too few for {count} pieces.");
    }
}
