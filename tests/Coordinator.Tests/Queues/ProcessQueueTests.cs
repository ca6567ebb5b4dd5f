using System.Diagnostics;
using Actors.TestSupport;

namespace Actors.Tests.Coordination.Queues;

/// <summary>Queue, JoinableQueue and SimpleQueue with CPython's semantics, across real child processes.</summary>
public sealed class ProcessQueueTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void ThreeProducerProcesses_EachKeepsItsOrder_NothingLostOrDoubled()
    {
        using var queue = new ProcessQueue<Reading>(bufferSize: 64 << 10); // small: producers wait for room
        ChildProcess[] producers = [.. Enumerable.Range(0, 3).Select(p => new ChildProcess(QueueTargets.Produce, [queue, p, 5000]))];
        foreach (ChildProcess producer in producers)
        {
            producer.Start();
        }
        var received = new List<Reading>();
        for (int i = 0; i < 15_000; i++)
        {
            received.Add(queue.Get(Long));
        }
        foreach (ChildProcess producer in producers)
        {
            producer.Join(Long);
            Assert.Equal(0, producer.ExitCode);
        }
        Assert.True(queue.Empty());
        foreach (IGrouping<int, Reading> one in received.GroupBy(r => r.Producer))
        {
            Assert.Equal(Enumerable.Range(0, 5000), one.Select(r => r.Sequence)); // in order, each once
        }
        Assert.Equal("p2-4999", received.Last(r => r.Producer == 2).Text);
    }

    [Fact]
    public void FullAndEmpty_WithAndWithoutTimeout_AsInCPython()
    {
        using var queue = new ProcessQueue<int>(maxsize: 2);
        Assert.True(queue.Empty());
        Assert.False(queue.TryGet(out _));
        var clock = Stopwatch.StartNew();
        Assert.Throws<TimeoutException>(() => queue.Get(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), $"returned after {clock.Elapsed}");
        queue.Put(1);
        queue.Put(2);
        Assert.True(queue.Full());
        Assert.Equal(2, queue.Qsize());
        Assert.False(queue.TryPut(3));
        clock.Restart();
        Assert.Throws<TimeoutException>(() => queue.Put(3, TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), $"returned after {clock.Elapsed}");
        Assert.Equal(1, queue.Get());
        Assert.True(queue.TryPut(3));
        Assert.Equal([2, 3], new[] { queue.Get(), queue.Get() });
        queue.Close();
        Assert.Throws<InvalidOperationException>(() => queue.Put(4));
        Assert.Throws<InvalidOperationException>(() => queue.Get());
    }

    [Fact]
    public void AnItemThatCannotTravel_FailsInThePut_NamingIt_AndTheQueueStaysHealthy()
    {
        using var queue = new ProcessQueue<object>();
        var ex = Assert.Throws<PayloadSerializationException>(() => queue.Put(new MemoryStream()));
        Assert.Contains("MemoryStream", ex.Message, StringComparison.Ordinal);
        queue.Put("fine");
        Assert.Equal("fine", queue.Get(Long));
        Assert.True(queue.Empty());
    }

    [Fact]
    public void JoinableQueue_ConsumerProcessesMarkTasksDone_JoinReturnsWhenAllAre()
    {
        using var tasks = new JoinableProcessQueue<int>();
        using var results = new ProcessQueue<int>();
        ChildProcess[] consumers = [.. Enumerable.Range(0, 2).Select(_ => new ChildProcess(QueueTargets.Consume, [tasks, results]))];
        foreach (ChildProcess consumer in consumers)
        {
            consumer.Start();
        }
        for (int i = 1; i <= 100; i++)
        {
            tasks.Put(i);
        }
        Assert.True(tasks.Join(Long));
        Assert.Equal(Enumerable.Range(1, 100).Sum(i => i * i), Enumerable.Range(0, 100).Sum(_ => results.Get(Long)));
        tasks.Put(-1);
        tasks.Put(-1);
        foreach (ChildProcess consumer in consumers)
        {
            consumer.Join(Long);
        }
        Assert.True(tasks.Join(TimeSpan.Zero));
        Assert.Equal("task_done() called too many times", Assert.Throws<InvalidOperationException>(tasks.TaskDone).Message);
    }

    [Fact]
    public void AProducerKilledInTheMiddleOfAPut_LeavesNothingHalfWritten_AndTheQueueWorks()
    {
        using var queue = new ProcessQueue<byte[]>(bufferSize: 1 << 20); // the 3 MiB item goes in parts; the reader is not reading
        using var started = new ProcessEvent();
        var child = new ChildProcess(QueueTargets.PutBigThenHang, [queue, started], daemon: true);
        child.Start();
        Assert.True(started.Wait(Long));
        Thread.Sleep(300); // the child has written the first parts and waits for room
        child.Kill();
        child.Join(Long);
        Assert.Equal(100, queue.Get(Long).Length); // the whole item before it
        queue.Put([1, 2, 3]); // the next writer voids the dead one's parts
        Assert.Equal([1, 2, 3], queue.Get(Long));
        Assert.False(queue.TryGet(out _));
    }

    [Fact]
    public async Task SimpleQueue_AndTheAsyncForms()
    {
        using var queue = new SimpleProcessQueue<string>();
        Task<string> waiting = queue.GetAsync();
        Assert.False(waiting.IsCompleted);
        await queue.PutAsync("late");
        Assert.Equal("late", await waiting.WaitAsync(Long));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.GetAsync(cancel.Token));
        using var full = new ProcessQueue<int>(maxsize: 1);
        await full.PutAsync(1);
        Task putting = full.PutAsync(2);
        await Task.Delay(100);
        Assert.False(putting.IsCompleted); // waits for room, holding no thread
        Assert.Equal(1, await full.GetAsync());
        await putting.WaitAsync(Long);
        Assert.Equal(2, full.Get(Long));
        Task<int>[] getters = [.. Enumerable.Range(0, 3).Select(_ => full.GetAsync())];
        for (int i = 0; i < 3; i++)
        {
            await full.PutAsync(10 + i);
        }
        Assert.Equal([10, 11, 12], (await Task.WhenAll(getters).WaitAsync(Long)).Order());
    }

    [Fact]
    public async Task PoolTasks_PutResultsOnAQueueTheParentReads()
    {
        await using Actors.Pool pool = await Actors.Pool.StartAsync(new PoolOptions { Processes = 2 }, new CoordinatorOptions { Processes = 2 });
        using var results = new ProcessQueue<(int, int)>();
        pool.Map(x => { results.Put((x, Environment.ProcessId)); return 0; }, Enumerable.Range(0, 50), chunksize: 5);
        List<(int Item, int Pid)> got = [.. Enumerable.Range(0, 50).Select(_ => results.Get(Long))];
        Assert.Equal(Enumerable.Range(0, 50), got.Select(g => g.Item).Order());
        Assert.DoesNotContain(Environment.ProcessId, got.Select(g => g.Pid));
    }
}
