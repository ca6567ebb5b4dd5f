using System.Collections.Concurrent;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Pool;

public sealed class PoolMapTests : PoolTest
{
    private sealed class ListProgress : IProgress<PoolProgress>
    {
        public ConcurrentQueue<PoolProgress> Reports { get; } = new();

        public void Report(PoolProgress value) => Reports.Enqueue(value);
    }

    [Fact]
    public void Map_Squares_InOrder_UsingBothWorkers()
    {
        List<int> results = Pool.Map(Tasks.Square, Enumerable.Range(0, 1000));
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), results);
        // Arrays and lists are sliced rather than enumerated: every chunk size, the ragged last chunk, lazily too.
        int[] array = [.. Enumerable.Range(0, 1001)];
        foreach (int? chunksize in new int?[] { null, 1, 7, 1001, 5000 })
        {
            Assert.Equal(results.Append(1000 * 1000), Pool.Map(Tasks.Square, array, chunksize));
            Assert.Equal(results.Append(1000 * 1000), Pool.Map(Tasks.Square, array.ToList(), chunksize));
            Assert.Equal(results.Append(1000 * 1000), Pool.Imap(Tasks.Square, array.ToList(), chunksize ?? 1));
        }
        Assert.Empty(Pool.Map(Tasks.Square, new List<int>()));
        List<int> pids = Pool.Map(Tasks.Pid, Enumerable.Range(0, 40), chunksize: 1);
        Assert.Equal(2, pids.Distinct().Count());
        Assert.DoesNotContain(Environment.ProcessId, pids);
    }

    [Fact]
    public void Map_EmptyInput_EmptyList()
    {
        Assert.Empty(Pool.Map(Tasks.Square, Array.Empty<int>()));
        Assert.Empty(Pool.Imap(Tasks.Square, Array.Empty<int>()));
        Assert.Empty(Pool.Starmap(Tasks.Add, Array.Empty<(int, int)>()));
    }

    [Fact]
    public void DefaultChunksize_FollowsCPythonsRule()
    {
        Assert.Equal(1, Pool.DefaultChunksize(0));
        Assert.Equal(1, Pool.DefaultChunksize(8));
        Assert.Equal(2, Pool.DefaultChunksize(9)); // ceil(9 / (4 * 2))
        Assert.Equal(125_000, Pool.DefaultChunksize(1_000_000));
    }

    [Fact]
    public void Map_Lambda_And_ClosureOverSerializableValues()
    {
        int factor = 3;
        var offsets = new Dictionary<string, int> { ["base"] = 100 };
        Assert.Equal([100, 103, 106], Pool.Map(x => x * factor + offsets["base"], new[] { 0, 1, 2 }));
        Assert.Equal([1, 2], Pool.Map(static (int x) => x + 1, new[] { 0, 1 }));
    }

    public sealed record Point(int X, int Y);

    public sealed class Scaler(int by)
    {
        public int Scale(int x) => x * by;
    }

    public class Based(int offset)
    {
        private readonly int _offset = offset;

        protected int Offset => _offset;
    }

    public sealed class Adder(int offset) : Based(offset)
    {
        public int Add(int x) => x + Offset;
    }

    [Fact]
    public void InstanceMethodGroup_LocalFunction_RecordItems_NullResults()
    {
        var scaler = new Scaler(4);
        Assert.Equal([4, 8], Pool.Map(scaler.Scale, new[] { 1, 2 }));
        Assert.Equal([11, 12], Pool.Map(new Adder(10).Add, new[] { 1, 2 })); // state only in a base class's private field
        Assert.Equal([21, 22], Pool.Map(new Adder(20).Add, new[] { 1, 2 }));
        int offset = 10;
        int Shift(int x) => x + offset;
        Assert.Equal([11, 12], Pool.Map(Shift, new[] { 1, 2 }));
        Assert.Equal([3, 7], Pool.Map((Point p) => p.X + p.Y, new[] { new Point(1, 2), new Point(3, 4) }));
        Assert.Equal([null, "1"], Pool.Map(static (int x) => x == 0 ? null : x.ToString(System.Globalization.CultureInfo.InvariantCulture), new[] { 0, 1 }));
    }

    [Fact]
    public void LambdaWrittenInALoop_OverAnOuterVariable_Travels()
    {
        // The compiler keeps such a lambda in a field of the closure it captures (<>9__N): a cache, not data.
        int factor = 3;
        for (int round = 0; round < 2; round++)
        {
            Assert.Equal([0, 3, 6], Pool.Map(x => x * factor, new[] { 0, 1, 2 }));
        }
    }

    [Fact]
    public void SameLambda_NewCapturedValues_EachCallUsesItsOwn()
    {
        foreach (int factor in new[] { 2, 3, 5 })
        {
            Assert.Equal([0, factor, 2 * factor, 3 * factor], Pool.Map(x => x * factor, new[] { 0, 1, 2, 3 }, chunksize: 1));
            Assert.Equal(7 * factor, Pool.Apply(x => x * factor, 7));
        }
    }

    [Fact]
    public void Map_ClosureCapturingUnserializable_FailsAtSubmission_NamingTheVariable()
    {
        static List<int> MapWithStream(Actors.Pool pool)
        {
            var stream = new MemoryStream(); // alone in its closure: nothing else is captured with it
            return pool.Map(x => x + (int)stream.Length, new[] { 1 });
        }
        var ex = Assert.Throws<PayloadSerializationException>(() => MapWithStream(Pool));
        Assert.Contains("captures 'stream'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MemoryStream", ex.Message, StringComparison.Ordinal);
        var holder = new NotSerializableHolder();
        var ex2 = Assert.Throws<PayloadSerializationException>(() => holder.Run(Pool));
        Assert.Contains("captures 'this (NotSerializableHolder, through its field '_source')", ex2.Message, StringComparison.Ordinal);
    }

    private sealed class NotSerializableHolder
    {
        private readonly Func<int> _source = () => 1;

        public List<int> Run(Actors.Pool pool) => pool.Map(x => x + _source(), new[] { 1 });
    }

    [Fact]
    public void Map_TaskThrows_OriginalTypeMessageStackAndIndex_AfterAllFinished()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pool.Map(Tasks.FailOn3, Enumerable.Range(0, 10), chunksize: 2));
        Assert.Equal("bad item 3", ex.Message);
        Assert.Equal(3, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Contains(nameof(Tasks.FailOn3), ex.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Starmap_StarmapAsync_And_Apply()
    {
        Assert.Equal([3, 7], Pool.Starmap(Tasks.Add, new[] { (1, 2), (3, 4) }));
        var called = new TaskCompletionSource<List<int>>();
        AsyncResult<List<int>> handle = Pool.StarmapAsync(Tasks.Add, new[] { (5, 6), (7, 8) }, callback: r => called.TrySetResult(r));
        Assert.Equal([11, 15], await handle);
        Assert.Equal([11, 15], await called.Task.WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.Equal(9, Pool.Apply(Tasks.Square, 3));
        Assert.Equal(5, Pool.Apply(Tasks.Add, 2, 3));
        Assert.Equal(42, Pool.Apply(() => 42));
    }

    [Fact]
    public async Task Apply_TaskThrows_OriginalException_AndErrorCallback_AndCancellation()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pool.Apply(Tasks.FailOn3, 3));
        Assert.Equal("bad item 3", ex.Message);
        var errors = new TaskCompletionSource<Exception>();
        AsyncResult<int> failing = Pool.ApplyAsync(Tasks.FailOn3, 3, errorCallback: e => errors.SetResult(e));
        Assert.IsType<ArgumentException>(await errors.Task.WaitAsync(TestTimes.Dilated()));
        Assert.True(failing.Wait(TestTimes.Dilated())); // the callback runs first, then the handle is ready (CPython's order)
        Assert.False(failing.Successful);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        AsyncResult<long> slow = Pool.ApplyAsync(() => { Thread.Sleep(2000); return 1L; }, cancellationToken: cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.Task.WaitAsync(TestTimes.Dilated()));
    }

    [Fact]
    public async Task MapAsync_Handle_GetWaitReadySuccessfulCallbacks()
    {
        var callbackResult = new TaskCompletionSource<List<long>>();
        AsyncResult<List<long>> handle = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 20), callback: r => callbackResult.SetResult(r));
        Assert.Throws<InvalidOperationException>(() => handle.Successful);
        Assert.Throws<TimeoutException>(() => handle.Get(TimeSpan.FromMilliseconds(1)));
        Assert.True(handle.Wait(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.True(handle.Ready);
        Assert.True(handle.Successful);
        Assert.Equal(Enumerable.Range(0, 20).Select(x => (long)x), handle.Get());
        Assert.Equal(handle.Get(), await callbackResult.Task.WaitAsync(TestTimes.Dilated()));

        var errors = new TaskCompletionSource<Exception>();
        AsyncResult<List<int>> failing = Pool.MapAsync(Tasks.FailOn3, Enumerable.Range(0, 5), errorCallback: e => errors.SetResult(e));
        Assert.IsType<ArgumentException>(await errors.Task.WaitAsync(TestTimes.Dilated()));
        Assert.True(failing.Wait(TestTimes.Dilated())); // the callback runs first, then the handle is ready (CPython's order)
        Assert.False(failing.Successful);
        Assert.Throws<ArgumentException>(() => failing.Get());

        AsyncResult<int> applied = Pool.ApplyAsync(Tasks.Square, 7);
        Assert.Equal(49, await applied);
    }

    [Fact]
    public void Imap_Ordered_ImapUnordered_All()
    {
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x), Pool.Imap(Tasks.Square, Enumerable.Range(0, 100)));
        Assert.Equal(Enumerable.Range(0, 100).Select(x => x * x).Order(), Pool.ImapUnordered(Tasks.Square, Enumerable.Range(0, 100), chunksize: 7).Order());
    }

    [Fact]
    public async Task ImapAsync_StreamsResults()
    {
        var seen = new List<int>();
        await foreach (int value in Pool.ImapAsync(Tasks.Square, Enumerable.Range(0, 10)))
        {
            seen.Add(value);
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(x => x * x), seen);
        var unordered = new List<int>();
        await foreach (int value in Pool.ImapUnorderedAsync(Tasks.Square, Enumerable.Range(0, 10)))
        {
            unordered.Add(value);
        }
        Assert.Equal(seen, unordered.Order());
    }

    [Fact]
    public void ManyTinyTasks_MergedOnTheWire_StillEachResultOnceInOrder_FailuresStillPerItem()
    {
        // Once the first results show the tasks are tiny, chunks of one go to the workers many to a message.
        int[] input = [.. Enumerable.Range(0, 20_000)];
        Assert.Equal(input.Select(x => x * x), Pool.Map(Tasks.Square, input, chunksize: 1));
        Assert.Equal(input.Select(x => x * x), Pool.ImapUnordered(Tasks.Square, input).Order());
        var seen = new List<int>();
        var ex = Assert.Throws<ArgumentException>(() =>
        {
            foreach (int value in Pool.Imap(Tasks.FailOn15000, input))
            {
                seen.Add(value);
            }
        });
        Assert.Equal(input[..15_000], seen);
        Assert.Equal(15_000, ex.Data[Actors.Pool.ItemIndexKey]);
        var mapped = Assert.Throws<ArgumentException>(() => Pool.Map(Tasks.FailOn15000, input, chunksize: 1));
        Assert.Equal(15_000, mapped.Data[Actors.Pool.ItemIndexKey]);
    }

    [Fact]
    public void TasksThatTurnSlow_InsideAMergedMessage_AreGivenBackAndSpreadOverTheWorkers()
    {
        // Instant items travel about a thousand to a message; forty in the middle take 50 ms each. The worker that
        // meets them gives back what it has not started, and the forty are spread as chunks of one.
        Pool.Map(Tasks.SlowAt10000, Enumerable.Range(0, 5_000), chunksize: 1); // the workers have compiled the task
        List<int> pids = Pool.Map(Tasks.SlowAt10000, Enumerable.Range(0, 20_040), chunksize: 1);
        int[] perWorker = [.. pids.Skip(10_000).Take(40).CountBy(pid => pid).Select(p => p.Value)];
        Assert.Equal(2, perWorker.Length);
        Assert.True(perWorker.Min() >= 10, $"the slow items ran {string.Join(" and ", perWorker)} per worker"); // not all behind one another on one worker
    }

    [Fact]
    public void Imap_InputThatWaits_ResultsOfWhatCameBeforeStillArrive()
    {
        using var more = new SemaphoreSlim(0);
        bool released = false;
        IEnumerable<int> Source()
        {
            for (int i = 0; i < 10; i++)
            {
                // Slower than a round trip: the first results (tiny tasks) come back while the source is still being read,
                // which is when the pool used to read several items into one message, and hold those already read while
                // it waited for the next.
                Thread.Sleep(20);
                yield return i;
            }
            released = more.Wait(TestTimes.Dilated(TimeSpan.FromSeconds(30))); // a slow source: the next item comes later
            yield return 10;
        }
        var seen = new List<int>();
        foreach (int value in Pool.Imap(Tasks.Square, Source()))
        {
            seen.Add(value);
            if (seen.Count == 10)
            {
                more.Release(); // only once every earlier result has arrived
            }
        }
        Assert.Equal(Enumerable.Range(0, 11).Select(x => x * x), seen);
        Assert.True(released, "the source went on only after its own timeout: results waited for the input");
    }

    [Fact]
    public void Imap_LeftWhileTheSourceWaits_TheCallerGoesOn_TheSourceIsDisposedAfterItsRead()
    {
        using var more = new SemaphoreSlim(0);
        using var disposed = new ManualResetEventSlim();
        bool? released = null;
        bool waiting = false, disposedMidRead = false;
        IEnumerable<int> Source()
        {
            try
            {
                yield return 0;
                yield return 1;
                waiting = true;
                released = more.Wait(TestTimes.Dilated(TimeSpan.FromSeconds(30))); // a slow source
                waiting = false;
                yield return 2;
            }
            finally
            {
                disposedMidRead = waiting; // an enumerator must not be disposed under the thread reading it
                disposed.Set();
            }
        }
        foreach (int value in Pool.Imap(Tasks.Square, Source()))
        {
            if (value == 1)
            {
                break; // leaves while the source is (most likely) waiting for its next item
            }
        }
        more.Release(); // only reached if leaving did not wait for the source
        Assert.True(disposed.Wait(TestTimes.Dilated(TimeSpan.FromSeconds(10))), "the source was never disposed");
        Assert.NotEqual(false, released); // false: leaving waited out the source's own timeout
        Assert.False(disposedMidRead);
    }

    [Fact]
    public void Imap_EndlessInput_ReadsOnlyABoundedWindow()
    {
        var read = new ReadCounter();
        Assert.Equal(Enumerable.Range(0, 20).Select(x => x * x), Pool.Imap(Tasks.Square, read.Endless()).Take(20));
        Thread.Sleep(200);
        Assert.InRange(read.Count, 20, 1024 + 64); // the read-ahead floor (Pool.MinReadAhead) plus the consumer's own
    }

    /// <summary>An endless input that counts how far it has been read.</summary>
    private sealed class ReadCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public IEnumerable<int> Endless()
        {
            for (int i = 0; ; i++)
            {
                Interlocked.Increment(ref _count);
                yield return i;
            }
        }
    }

    [Fact]
    public void Imap_NextWithTimeout_TimesOutNoSooner_ThenTheSameResultComes()
    {
        using ImapIterator<int> results = Pool.Imap(Tasks.SleepMs, new[] { 0, 1500, 0 });
        Assert.Equal(0, results.Next(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => results.Next(TimeSpan.FromMilliseconds(200)));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"gave up after {watch.Elapsed.TotalMilliseconds} ms"); // CPython checks the lower bound too
        Assert.Throws<TimeoutException>(() => results.Next(TimeSpan.Zero));
        Assert.Equal(1500, results.Next(TimeSpan.MaxValue)); // as good as no timeout
        Assert.True(results.TryNext(out int last, TimeSpan.FromSeconds(10)));
        Assert.Equal(0, last);
        Assert.False(results.TryNext(out _, TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => results.Next()); // CPython's StopIteration
        Assert.Throws<ArgumentOutOfRangeException>(() => results.Next(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void Imap_AskedAgainAtOnceAfterTheLastResult_IsToldTheEnd_NeverToWait()
    {
        // The end is known with the last result, not only once the result channel completes: here a slow final
        // progress report holds that completion back.
        for (int round = 0; round < 3; round++)
        {
            using ImapIterator<int> results = Pool.Imap(Tasks.Square, Enumerable.Range(0, 3).ToList(), progress: new SlowLastReport());
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(i * i, results.Next(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
            }
            Assert.False(results.TryNext(out _, TimeSpan.Zero));
        }
    }

    [Fact]
    public void Imap_Next_AFailedItemThrows_TheResultsAfterItCanStillBeTaken()
    {
        // CPython's IMapIterator raises a failed item's exception from next() and goes on with the next item.
        foreach (ImapIterator<int> results in new[] { Pool.Imap(Tasks.FailOn3, Enumerable.Range(0, 8)), Pool.ImapUnordered(Tasks.FailOn3, Enumerable.Range(0, 8)) })
        {
            var taken = new List<int>();
            Exception? failure = null;
            for (int i = 0; i < 8; i++)
            {
                try
                {
                    taken.Add(results.Next(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
                }
                catch (ArgumentException ex)
                {
                    failure = ex;
                }
            }
            Assert.Equal([0, 1, 2, 4, 5, 6, 7], taken.Order());
            Assert.Equal(3, failure!.Data[Actors.Pool.ItemIndexKey]);
            Assert.False(results.TryNext(out _));
        }
        // Enumerating stops at the failure, as a foreach over CPython's imap does.
        var seen = new List<int>();
        Assert.Throws<ArgumentException>(() =>
        {
            foreach (int value in Pool.Imap(Tasks.FailOn3, Enumerable.Range(0, 8)))
            {
                seen.Add(value);
            }
        });
        Assert.Equal([0, 1, 2], seen);
    }

    [Fact]
    public void Imap_InputThrowsAtK_SurfacesAtK_PoolStaysUsable()
    {
        IEnumerable<int> Broken()
        {
            for (int i = 0; i < 10; i++)
            {
                if (i == 5) throw new InvalidDataException("input broke at 5");
                yield return i;
            }
        }
        var seen = new List<int>();
        var ex = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (int value in Pool.Imap(Tasks.Square, Broken()))
            {
                seen.Add(value);
            }
        });
        Assert.Equal([0, 1, 4, 9, 16], seen);
        Assert.Equal(5, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.Equal([1, 4], Pool.Map(Tasks.Square, new[] { 1, 2 }));
    }

    [Theory]
    [InlineData(2, 6)]
    [InlineData(4, 4)]
    [InlineData(1, 7)]
    public void Imap_InputThrowsInsideAChunk_SurfacesAtTheChunksStart_AsCPythonsTestExpects(int chunksize, int resultsBefore)
    {
        // CPython's test_imap_handle_iterable_exception: the generator fails at item 7; the chunk it was building fails whole.
        static IEnumerable<int> FailsAt7()
        {
            for (int i = 0; i < 20; i++)
            {
                if (i == 7) throw new InvalidDataException("said when");
                yield return i;
            }
        }
        using ImapIterator<int> results = Pool.Imap(Tasks.Square, FailsAt7(), chunksize);
        for (int i = 0; i < resultsBefore; i++)
        {
            Assert.Equal(i * i, results.Next(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        }
        var ex = Assert.Throws<InvalidDataException>(() => results.Next(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.Equal(resultsBefore, ex.Data[Actors.Pool.ItemIndexKey]);
        Assert.False(results.TryNext(out _, TestTimes.Dilated(TimeSpan.FromSeconds(10))));
    }

    private sealed class SlowLastReport : IProgress<PoolProgress>
    {
        public void Report(PoolProgress value)
        {
            if (value.Done + value.Failed == value.Total)
            {
                Thread.Sleep(300);
            }
        }
    }

    private sealed class ThrowingProgress : IProgress<PoolProgress>
    {
        public void Report(PoolProgress value) => throw new InvalidOperationException("the progress bar broke");
    }

    [Fact]
    public void AProgressReporterThatThrows_FailsTheCall_NoHang()
    {
        AsyncResult<List<int>> map = Pool.MapAsync(Tasks.Square, Enumerable.Range(0, 100), chunksize: 10, progress: new ThrowingProgress());
        var ex = Assert.Throws<InvalidOperationException>(() => map.Get(TestTimes.Dilated(TimeSpan.FromSeconds(20))));
        Assert.Contains("progress bar broke", ex.Message, StringComparison.Ordinal);
        Assert.Equal([1, 4], Pool.Map(Tasks.Square, new[] { 1, 2 })); // the pool goes on
    }

    [Fact]
    public void Progress_ReportsDoneTotalRateAndEta()
    {
        var progress = new ListProgress();
        Pool.Map(Tasks.Slow, Enumerable.Range(0, 40), chunksize: 2, progress: progress);
        PoolProgress last = progress.Reports.Last();
        Assert.Equal(40, last.Done);
        Assert.Equal(0, last.Failed);
        Assert.Equal(40, last.Total);
        Assert.True(last.ItemsPerSecond > 0);
        Assert.True(progress.Reports.Count >= 2);
    }

    [Fact]
    public void Cancellation_StopsTheRestPromptly()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var started = DateTime.UtcNow;
        Assert.ThrowsAny<OperationCanceledException>(() => Pool.Map(Tasks.Slow, Enumerable.Range(0, 10_000), chunksize: 1, cancellationToken: cts.Token));
        Assert.True(DateTime.UtcNow - started < TestTimes.Dilated(TimeSpan.FromSeconds(5)));
        Assert.Equal([0, 1], Pool.Map(Tasks.Slow, new[] { 0, 1 }).Select(x => (int)x));
    }

    [Fact]
    public void Cancellation_ReachesTasksThatTakeAToken()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;
        Assert.ThrowsAny<OperationCanceledException>(() => Pool.Map<int, int>(Tasks.CooperativeSleep, new[] { 1, 2 }, chunksize: 1, cancellationToken: cts.Token));
        Assert.Equal(4, Pool.Apply(Tasks.Square, 2)); // the workers were released by the token, not killed
        Assert.True(DateTime.UtcNow - started < TestTimes.Dilated(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task TwoPoolsOnOneCoordinator_CancellingAJob_LeavesTheOtherPoolsJobOfTheSameNumber()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(CoordinatorOptions);
        await using Actors.Pool first = await Actors.Pool.StartAsync(coordinator);
        await using Actors.Pool second = await Actors.Pool.StartAsync(coordinator);
        using var cancel = new CancellationTokenSource();
        // Each pool's first job: the same job number, on the same two worker processes.
        Task<List<int>> kept = Task.Run(() => second.Map<int, int>(Tasks.WaitTwoSecondsUnlessCancelled, new[] { 1, 2 }, chunksize: 1));
        Task<List<int>> cancelled = Task.Run(() => first.Map<int, int>(Tasks.WaitTwoSecondsUnlessCancelled, new[] { 3, 4 }, chunksize: 1, cancellationToken: cancel.Token));
        await Task.Delay(300);
        await cancel.CancelAsync();
        TimeSpan limit = TestTimes.Dilated(TimeSpan.FromSeconds(20));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(limit));
        Assert.Equal([1, 2], await kept.WaitAsync(limit));
    }

    [Fact]
    public void UnserializableResult_FailsThatItemWithEncodingError_NoWorkerLost()
    {
        int[] pids = [.. Pool.Map(Tasks.Pid, Enumerable.Range(0, 20), chunksize: 1).Distinct().Order()];
        var ex = Assert.Throws<PayloadSerializationException>(() => Pool.Map(Tasks.Unserializable, new[] { 1, 2 }));
        Assert.Contains("cannot be sent back", ex.Message, StringComparison.Ordinal);
        Assert.Equal(pids, Pool.Map(Tasks.Pid, Enumerable.Range(0, 20), chunksize: 1).Distinct().Order());
    }

    [Fact]
    public void Close_Join_ThenPoolNotRunning()
    {
        Assert.Throws<InvalidOperationException>(() => Pool.Join());
        AsyncResult<List<long>> running = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 10));
        AsyncResult<int> applied = Pool.ApplyAsync(Tasks.SleepMs, 100);
        Pool.Close();
        Assert.True(Pool.Join(TimeSpan.MaxValue)); // as good as no timeout, as in CPython
        Assert.Equal(10, running.Get().Count);
        Assert.Equal(100, applied.Get(TimeSpan.MaxValue));
        var ex = Assert.Throws<InvalidOperationException>(() => Pool.Map(Tasks.Square, new[] { 1 }));
        Assert.Contains("Pool not running", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Imap_NotYetRead_CloseAndJoin_RunsItToTheEnd_ResultsWaitForTheReader()
    {
        // CPython's join waits for every task, read or not. More items than the read-ahead window: joining must not
        // wait on a reader who has not started (that would hang), so the window opens while the pool is joined.
        IEnumerable<int> results = Pool.Imap(Tasks.Square, Enumerable.Range(0, 5000));
        IEnumerable<int> unordered = Pool.ImapUnordered(Tasks.Square, Enumerable.Range(0, 5000));
        Pool.Close();
        Assert.True(Pool.Join(TestTimes.Dilated(TimeSpan.FromSeconds(20))));
        Assert.Equal(Enumerable.Range(0, 5000).Select(x => x * x), results);
        Assert.Equal(Enumerable.Range(0, 5000).Select(x => x * x), unordered.Order());
    }

    [Fact]
    public void Imap_EndlessInput_JoinTimesOut_TheWindowClosesAgain()
    {
        var read = new ReadCounter();
        IEnumerable<int> results = Pool.Imap(Tasks.Square, read.Endless());
        Pool.Close();
        // Each join that times out opens the window while it waits: joined long enough, the call reads past it. (A single
        // 300 ms join read only 855 items once, with the other pool test classes loading both cores.)
        for (var watch = System.Diagnostics.Stopwatch.StartNew(); read.Count <= 1024 + 64 && watch.Elapsed < TestTimes.Dilated(TimeSpan.FromSeconds(10));)
        {
            Assert.False(Pool.Join(TimeSpan.FromMilliseconds(300)));
        }
        Assert.True(read.Count > 1024 + 64, $"while joined the call reads past its window; it read {read.Count}");
        Thread.Sleep(TestTimes.Dilated(TimeSpan.FromMilliseconds(200))); // what was in flight comes back
        int after = read.Count;
        Thread.Sleep(TestTimes.Dilated(TimeSpan.FromMilliseconds(300)));
        Assert.Equal(after, read.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(x => x * x), results.Take(10));
    }

    [Fact]
    public void Terminate_FailsCallsInProgress_ThenPoolNotRunning()
    {
        AsyncResult<List<long>> running = Pool.MapAsync(Tasks.Slow, Enumerable.Range(0, 1000), chunksize: 1);
        Pool.Terminate();
        Assert.Throws<InvalidOperationException>(() => running.Get(TestTimes.Dilated(TimeSpan.FromSeconds(5))));
        Assert.Equal(PoolState.Terminated, Pool.State);
        Assert.True(Pool.Join(TestTimes.Dilated(TimeSpan.FromSeconds(5))));
        Assert.Throws<InvalidOperationException>(() => Pool.Apply(Tasks.Square, 1));
    }
}
