using Actors.TestSupport;
using Actors.Tests.Library;

namespace Actors.Tests.Coordination.Pool;

/// <summary>
/// CPython's Pool semantics where a port from Python trips today (issue 10): terminate, arguments that cannot travel,
/// callbacks and readiness, per-item errors, and the app's own code without configuration. The pool here is started
/// the way an app starts one: no allow-list at all (under <c>dotnet test</c> the entry assembly is the test host).
/// </summary>
public sealed class PoolSemanticsTests : IAsyncLifetime
{
    private Actors.Pool _pool = null!;

    private static CoordinatorOptions Plain => new()
    {
        Processes = 2,
        ListenAddress = $"unix:@actors-test-{Environment.ProcessId}-{Guid.NewGuid():N}",
    };

    public async Task InitializeAsync() => _pool = await Actors.Pool.StartAsync(new PoolOptions(), Plain);

    public async Task DisposeAsync() => await _pool.DisposeAsync();

    public static int TakesStream(Stream input) => (int)input.Length;

    public static int TakesObject(object value) => value.GetHashCode();

    [Fact]
    public void Terminate_KillsTheWorkerProcesses_JoinWaitsUntilTheyHaveExited()
    {
        List<int> pids = [.. _pool.Map(Tasks.Pid, Enumerable.Range(0, 40), chunksize: 1).Distinct()];
        Assert.Equal(2, pids.Count);
        AsyncResult<List<int>> running = _pool.MapAsync(Tasks.SleepMs, [30_000, 30_000, 30_000, 30_000], chunksize: 1);
        Thread.Sleep(300); // both workers are inside a 30 s task now
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _pool.Terminate();
        Assert.True(_pool.Join(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"terminate + join took {clock.Elapsed}");
        Assert.All(pids, pid => Assert.False(ProcessScan.IsAlive(pid), $"worker {pid} is still alive after Terminate + Join"));
        var error = Assert.Throws<InvalidOperationException>(() => running.Get(TestTimes.Dilated(TimeSpan.FromSeconds(5))));
        Assert.Contains("Pool not running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_OnASharedCoordinator_KillsOnlyTheWorkersRunningItsTasks_TheCoordinatorReplacesThem()
    {
        await using Coordinator coordinator = await Coordinator.StartAsync(Plain);
        Actors.Pool pool = await Actors.Pool.StartAsync(coordinator);
        int[] before = [.. coordinator.Workers.Select(w => w.Pid)];
        _ = pool.MapAsync(Tasks.SleepMs, [30_000, 30_000], chunksize: 1);
        Thread.Sleep(300);
        pool.Terminate();
        Assert.True(pool.Join(TestTimes.Dilated(TimeSpan.FromSeconds(10))));
        Assert.All(before, pid => Assert.False(ProcessScan.IsAlive(pid)));
        await pool.DisposeAsync();
        // The coordinator outlives the pool: its workers come back and a new pool runs on them.
        await using Actors.Pool next = await Actors.Pool.StartAsync(coordinator).WaitAsync(TestTimes.Dilated(TimeSpan.FromSeconds(30)));
        Assert.Equal([1, 4], next.Map(Tasks.Square, new[] { 1, 2 }));
        Assert.DoesNotContain(coordinator.Workers[0].Pid, before);
    }

    [Fact]
    public void Apply_ArgumentThatCannotTravel_FailsAtTheCall_NamingTheArgumentAndItsType()
    {
        var ex = Assert.Throws<PayloadSerializationException>(() => _pool.ApplyAsync(TakesStream, new MemoryStream([1, 2, 3])));
        Assert.Contains("'input'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MemoryStream", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Allow(", ex.Message, StringComparison.Ordinal); // never suggest allowing what cannot travel
        Assert.DoesNotContain("RunChunk", ex.Message, StringComparison.Ordinal);
        var boxed = Assert.Throws<PayloadSerializationException>(() => _pool.Apply(TakesObject, (object)new MemoryStream()));
        Assert.Contains("'value'", boxed.Message, StringComparison.Ordinal);
        Assert.Equal(3, _pool.Apply(Tasks.Add, 1, 2)); // the pool is fine afterwards
    }

    [Fact]
    public void Map_ItemsThatCannotTravel_FailAtTheCall_WithoutSuggestingToAllowThem()
    {
        Stream[] streams = [new MemoryStream(), new MemoryStream()];
        var ex = Assert.Throws<PayloadSerializationException>(() => _pool.MapAsync(TakesStream, streams));
        Assert.Contains("Stream", ex.Message, StringComparison.Ordinal);
        Assert.Contains("bytes", ex.Message, StringComparison.Ordinal); // what to send instead
        Assert.DoesNotContain("Allow(", ex.Message, StringComparison.Ordinal);
        object[] mixed = [1, new MemoryStream()];
        var first = Assert.Throws<PayloadSerializationException>(() => _pool.Map(TakesObject, new object[] { new MemoryStream(), 1 }));
        Assert.Contains("Item 0", first.Message, StringComparison.Ordinal);
        Assert.Throws<PayloadSerializationException>(() => _pool.StarmapAsync((int a, Stream b) => a, new[] { (1, (Stream)new MemoryStream()) }));
        // A later item of a lazy input that cannot travel fails alone, named by its index; the others complete.
        ImapIterator<int> results = _pool.Imap(TakesObject, mixed.Select(x => x));
        Assert.Equal(1.GetHashCode(), results.Next(TestTimes.Dilated()));
        var later = Assert.Throws<PayloadSerializationException>(() => results.Next(TestTimes.Dilated()));
        Assert.Contains("Item 1", later.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("RunChunk", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Callbacks_HaveRunWhenTheResultIsReady()
    {
        for (int i = 0; i < 3; i++)
        {
            Exception? seen = null;
            AsyncResult<int> failing = _pool.ApplyAsync(Tasks.FailOn3, 3, errorCallback: e =>
            {
                Thread.Sleep(200); // a slow callback: Get must still wait for it
                seen = e;
            });
            Assert.Throws<ArgumentException>(() => failing.Get(TestTimes.Dilated()));
            Assert.NotNull(seen);
            List<int>? stored = null;
            AsyncResult<List<int>> mapped = _pool.MapAsync(Tasks.Square, new[] { 1, 2 }, callback: r =>
            {
                Thread.Sleep(200);
                stored = r;
            });
            Assert.True(mapped.Wait(TestTimes.Dilated()));
            Assert.True(mapped.Ready);
            Assert.Equal([1, 4], stored);
        }
    }

    [Fact]
    public async Task Callback_ThatThrows_IsRaisedByGet_AndTheCallIsNotSuccessful()
    {
        AsyncResult<int> handle = _pool.ApplyAsync(Tasks.Square, 3, callback: _ => throw new FormatException("the callback broke"));
        var ex = Assert.Throws<FormatException>(() => handle.Get(TestTimes.Dilated()));
        Assert.Equal("the callback broke", ex.Message);
        Assert.False(handle.Successful);
        await Assert.ThrowsAsync<FormatException>(async () => await handle);
        AsyncResult<int> both = _pool.ApplyAsync(Tasks.FailOn3, 3, errorCallback: _ => throw new FormatException("the error callback broke"));
        Assert.Equal("the error callback broke", Assert.Throws<FormatException>(() => both.Get(TestTimes.Dilated())).Message);
    }

    [Fact]
    public void ChunkThatFailsAsAWhole_EachItemKeepsItsOwnIndex()
    {
        // Four items of a lazy input in one chunk, none of which can travel: four exceptions, four indexes.
        IEnumerable<object> streams = Enumerable.Range(0, 4).Select(object (_) => new MemoryStream());
        List<int> indexes = [];
        ImapIterator<int> results = _pool.Imap(TakesObject, streams, chunksize: 4);
        for (int i = 0; i < 4; i++)
        {
            var ex = Assert.Throws<PayloadSerializationException>(() => results.Next(TestTimes.Dilated()));
            Assert.True(Actors.Pool.TryGetItemIndex(ex, out int index));
            indexes.Add(index);
        }
        Assert.Equal([0, 1, 2, 3], indexes);
        Assert.False(Actors.Pool.TryGetItemIndex(new InvalidOperationException(), out _));
    }

    [Fact]
    public void AppCode_RunsWithoutConfiguration_TasksItemsAndResultsFromTheTestProjectAndAClassLibrary()
    {
        // The task is the test project's own (the entry assembly is the test host); the item and result types live in a
        // class library; nothing is on an allow-list.
        Assert.Equal([1, 4, 9], _pool.Map(Tasks.Square, new[] { 1, 2, 3 }));
        Job[] jobs = [new(1, "a"), new(2, "b")];
        List<JobResult> done = _pool.Map(JobTasks.Run, jobs);
        Assert.Equal(["a:2", "b:4"], done.Select(r => r.Summary));
        Assert.DoesNotContain(Environment.ProcessId, done.Select(r => r.Pid));
        string suffix = "!";
        Assert.Equal(["a!", "b!"], _pool.Map(j => new Job(j.Id, j.Name + suffix), jobs).Select(j => j.Name));
    }

    [Fact]
    public void ImapIterator_EnumeratedASecondTime_Throws()
    {
        ImapIterator<int> results = _pool.Imap(Tasks.Square, new[] { 1, 2, 3 });
        Assert.Equal(1, results.Next(TestTimes.Dilated()));
        Assert.Equal([4, 9], results.ToList());
        var ex = Assert.Throws<InvalidOperationException>(() => results.ToList());
        Assert.Contains("read once", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A token cancelled 50 ms from now by a thread of its own: a timer's callback runs on the thread pool, which a
    /// loaded CI run (parallel test classes blocking pool threads) once held up past the 500 ms task it was to interrupt.
    /// </summary>
    private static CancellationTokenSource CancelSoon()
    {
        var cts = new CancellationTokenSource();
        new Thread(() =>
        {
            Thread.Sleep(50);
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the test ended first (it failed): nothing to cancel
            }
        }) { IsBackground = true }.Start();
        return cts;
    }

    [Fact]
    public async Task Waits_TakeACancellationToken_CancellingTheWaitLeavesTheCallRunning()
    {
        AsyncResult<int> slow = _pool.ApplyAsync(Tasks.SleepMs, 500);
        using var cts = CancelSoon();
        Assert.ThrowsAny<OperationCanceledException>(() => slow.Get(null, cts.Token));
        Assert.Equal(500, slow.Get(TestTimes.Dilated()));
        Assert.True(await slow.WaitAsync(TimeSpan.Zero));
        ImapIterator<int> results = _pool.Imap(Tasks.SleepMs, new[] { 500 });
        using var impatient = CancelSoon();
        Assert.ThrowsAny<OperationCanceledException>(() => results.Next(null, impatient.Token));
        Assert.Equal(500, results.Next(TestTimes.Dilated()));
        _pool.Close();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => _pool.Join(null, cancelled.Token));
        Assert.True(_pool.Join(TestTimes.Dilated()));
    }

    [Fact]
    public void Overloads_TokenAwareTasks_AndThreeValueStarmapAsync()
    {
        Assert.Equal(5, _pool.Apply((int x, CancellationToken _) => x, 5));
        Assert.Equal(7, _pool.ApplyAsync((CancellationToken token) => token.CanBeCanceled ? 7 : 0).Get(TestTimes.Dilated()));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        AsyncResult<int> cancelled = _pool.ApplyAsync(Tasks.CooperativeSleep, 1, cancellationToken: cts.Token);
        Assert.ThrowsAny<OperationCanceledException>(() => cancelled.Get(TestTimes.Dilated()));
        Assert.Equal([3, 4], _pool.Imap((int x, CancellationToken _) => x + 2, new[] { 1, 2 }).ToList());
        Assert.Equal([6, 15], _pool.StarmapAsync((int a, int b, int c) => a + b + c, new[] { (1, 2, 3), (4, 5, 6) }).Get(TestTimes.Dilated()));
        Assert.Equal([2], _pool.MapAsync((int x, CancellationToken _) => x * 2, new[] { 1 }).Get(TestTimes.Dilated()));
    }

    [Fact]
    public async Task Lambda_CarriesOnlyTheCapturesItUses_AndACaptureThatCannotTravelIsNamed()
    {
        // pool, factor and stream are captured into one closure object (one scope); each lambda uses only part of it.
        Actors.Pool pool = _pool;
        int factor = 3;
        Stream stream = new MemoryStream([1, 2, 3, 4]);
        List<int> scaled = await Task.Run(() => pool.Map(x => x * factor, new[] { 1, 2 }));
        Assert.Equal([3, 6], scaled);
        var ex = Assert.Throws<PayloadSerializationException>(() => pool.Map(x => x + (int)stream.Length, new[] { 1 }));
        Assert.Contains("'stream'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'pool'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Allow(", ex.Message, StringComparison.Ordinal);
        // A nested scope: the inner lambda reads a variable of the outer scope through the parent closure.
        for (int round = 1; round <= 2; round++)
        {
            int offset = round * 10;
            Assert.Equal([offset + 3, offset + 6], await Task.Run(() => pool.Map(x => (x * factor) + offset, new[] { 1, 2 })));
        }
    }
}
