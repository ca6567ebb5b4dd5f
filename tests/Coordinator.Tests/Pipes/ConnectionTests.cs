using System.Diagnostics;
using Actors.TestSupport;
using Actors.Tests.Coordination.Queues;

namespace Actors.Tests.Coordination.Pipes;

/// <summary>Pipe and Connection with CPython's semantics, across real child processes.</summary>
public sealed class ConnectionTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void EchoChild_SendsBackEveryObject_ThenTheParentSeesTheEndOfTheStream()
    {
        (Connection parent, Connection child) = Connection.Pipe();
        var echo = new ChildProcess(QueueTargets.Echo, [child]);
        echo.Start();
        child.Close(); // CPython's pattern: the parent drops its copy of the child's end
        parent.Send(42);
        Assert.Equal(42, parent.Recv());
        parent.Send(new Reading(1, 2, "three"));
        Assert.Equal(new Reading(1, 2, "three"), parent.Recv<Reading>());
        parent.Send("hello");
        Assert.True(parent.Poll(Long));
        Assert.Equal("hello", parent.Recv());
        parent.Send(null); // the echo closes its end and returns
        echo.Join(Long);
        Assert.Equal(0, echo.ExitCode);
        Assert.Throws<EndOfStreamException>(() => parent.Recv());
        Assert.True(parent.Poll()); // the end of the stream is something to receive, as in CPython
        Assert.Throws<IOException>(() => parent.Send(1)); // broken pipe
        parent.Close();
        Assert.Throws<ObjectDisposedException>(() => parent.Send(1));
    }

    [Fact]
    public async Task AsyncForms_WaitForAChildsMessagesAndItsEnd_WithTimeoutsAndCancellation()
    {
        (Connection parent, Connection child) = Connection.Pipe();
        var echo = new ChildProcess(QueueTargets.Echo, [child]);
        echo.Start();
        child.Close();
        var clock = Stopwatch.StartNew();
        Assert.False(await parent.PollAsync(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), $"returned after {clock.Elapsed}");
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parent.RecvAsync(cancel.Token));
        }
        Task<Reading> reading = parent.RecvAsync<Reading>();
        await Task.Delay(50);
        Assert.False(reading.IsCompleted); // nothing was sent yet
        parent.Send(new Reading(1, 2, "three"));
        Assert.Equal(new Reading(1, 2, "three"), await reading.WaitAsync(Long));
        parent.Send("polled");
        Assert.True(await parent.PollAsync(Timeout.InfiniteTimeSpan).WaitAsync(Long));
        Assert.Equal("polled", await parent.RecvAsync());
        Task<object?> atTheEnd = parent.RecvAsync();
        parent.Send(null); // the echo closes its end and returns
        await Assert.ThrowsAsync<EndOfStreamException>(() => atTheEnd.WaitAsync(Long));
        echo.Join(Long);
        Assert.Equal(0, echo.ExitCode);

        (Connection busy, Connection busyOther) = Connection.Pipe(duplex: false);
        var sender = new ChildProcess(QueueTargets.SendBytesThenClose, [busyOther, 2, 3 << 20]);
        sender.Start();
        busyOther.Close();
        Assert.Equal(3 << 20, (await busy.RecvBytesAsync().WaitAsync(Long)).Length);
        Assert.Equal(3 << 20, (await busy.RecvBytesAsync().WaitAsync(Long)).Length);
        Assert.Empty(await busy.RecvBytesAsync().WaitAsync(Long));
        await Assert.ThrowsAsync<EndOfStreamException>(() => busy.RecvBytesAsync().WaitAsync(Long));
        sender.Join(Long);
        Assert.Equal(0, sender.ExitCode);

        (Connection reader, Connection writer) = Connection.Pipe(duplex: false);
        writer.SendBytes(new byte[100]);
        await Assert.ThrowsAsync<IOException>(() => reader.RecvBytesAsync(maxLength: 10)); // too long: this end is closed, as in CPython
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.RecvBytesAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.RecvAsync()); // a one-way pipe's sending end
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => writer.PollAsync(TimeSpan.FromSeconds(-2)));
    }

    [Fact]
    public void Bytes_KeepBoundaries_EmptyMessagesArriveEmpty_AndBuffersAreChecked()
    {
        (Connection a, Connection b) = Connection.Pipe();
        a.SendBytes([1, 2, 3]);
        a.SendBytes([]);
        a.SendBytes([9, 8, 7, 6, 5], offset: 1, size: 3);
        Assert.Equal([1, 2, 3], b.RecvBytes());
        Assert.Empty(b.RecvBytes());
        Assert.Equal([8, 7, 6], b.RecvBytes());
        Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[2], offset: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[2], offset: 1, size: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.SendBytes(new byte[2], size: -1));
        a.SendBytes(new byte[10]);
        var buffer = new byte[12];
        Assert.Equal(10, b.RecvBytesInto(buffer, offset: 2));
        a.SendBytes([1, 2, 3, 4, 5]);
        var tooShort = Assert.Throws<BufferTooShortException>(() => b.RecvBytesInto(new byte[4]));
        Assert.Equal([1, 2, 3, 4, 5], tooShort.ReceivedMessage);
        a.SendBytes(new byte[100]);
        Assert.Throws<IOException>(() => b.RecvBytes(maxLength: 10));
        Assert.True(b.Closed); // CPython closes the connection on a bad message length
        Assert.True(a.Poll(TimeSpan.FromSeconds(5))); // b is closed: a is at the end of its stream
        (Connection c, Connection d) = Connection.Pipe();
        var clock = Stopwatch.StartNew();
        Assert.False(c.Poll(TimeSpan.FromMilliseconds(100)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(100), $"returned after {clock.Elapsed}");
        Assert.False(d.Poll());
    }

    [Fact]
    public void OneWayPipe_UsedTheWrongWay_ThrowsAtOnce()
    {
        (Connection reader, Connection writer) = Connection.Pipe(duplex: false);
        Assert.True(reader.Readable);
        Assert.False(reader.Writable);
        Assert.Equal("connection is read-only", Assert.Throws<InvalidOperationException>(() => reader.Send(1)).Message);
        Assert.Equal("connection is write-only", Assert.Throws<InvalidOperationException>(() => writer.Recv()).Message);
        writer.Send("one way");
        Assert.Equal("one way", reader.Recv());
    }

    [Fact]
    public void TheOtherEndsProcessKilled_TheStreamEnds()
    {
        (Connection mine, Connection theirs) = Connection.Pipe();
        using var holding = new ProcessEvent();
        var holder = new ChildProcess(QueueTargets.HoldForever, [theirs, holding], daemon: true);
        holder.Start();
        theirs.Close();
        // Killed only once it holds its end: an end on its way to a process that dies before receiving it stays open
        // (as with CPython's spawn), and the stream would not end (see Connection's remarks).
        Assert.True(holding.Wait(Long));
        var clock = Stopwatch.StartNew();
        Assert.False(mine.Poll(TimeSpan.FromMilliseconds(300))); // the child holds it: no end yet
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(300));
        holder.Kill();
        holder.Join(Long);
        Assert.Throws<EndOfStreamException>(() => mine.Recv());
    }

    [Fact]
    public void AChildKilledBeforeItTookItsEnd_EndsTheStream_NoHang()
    {
        (Connection mine, Connection theirs) = Connection.Pipe();
        var child = new ChildProcess(QueueTargets.Echo, [theirs], daemon: true);
        child.Start();
        theirs.Close();
        child.Kill(); // long before its runtime has started and decoded its arguments
        child.Join(Long);
        Exception? received = null;
        var reader = new Thread(() => received = Record.Exception(() => mine.Recv()));
        reader.Start();
        Assert.True(reader.Join(TimeSpan.FromSeconds(10)), "Recv hung: the end reserved for the dead child still counted as open");
        Assert.IsType<EndOfStreamException>(received);
    }

    [Fact]
    public void BigMessagesFromAChild_ArriveWhole_AndWaitReturnsTheReadyConnections()
    {
        (Connection quiet, Connection quietOther) = Connection.Pipe();
        (Connection busy, Connection busyOther) = Connection.Pipe(bufferSize: 1 << 20);
        var clock = Stopwatch.StartNew();
        Assert.Empty(Connection.Wait([quiet, busy], TimeSpan.FromMilliseconds(150)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(150));
        var sender = new ChildProcess(QueueTargets.SendBytesThenClose, [busyOther, 5, 3 << 20]);
        sender.Start();
        busyOther.Close();
        Assert.Equal([busy], Connection.Wait([quiet, busy], Long));
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(3 << 20, busy.RecvBytes().Length);
        }
        Assert.Empty(busy.RecvBytes());
        sender.Join(Long);
        Assert.Throws<EndOfStreamException>(() => busy.RecvBytes());
        quietOther.Send("now");
        Assert.Equal([quiet, busy], Connection.Wait([quiet, busy], Long)); // busy is at its end: ready too
    }

    [Fact]
    public void WaitOnPipesAndProcessesTogether_ReturnsWhicheverIsReady()
    {
        (Connection quiet, Connection other) = Connection.Pipe();
        var sleeper = new ChildProcess(SyncTargetsForWait.SleepMs, [300]);
        Assert.Throws<InvalidOperationException>(() => Connection.Wait([quiet, sleeper], TimeSpan.Zero)); // not started
        sleeper.Start();
        var clock = Stopwatch.StartNew();
        Assert.Empty(Connection.Wait([quiet, sleeper], TimeSpan.FromMilliseconds(50)));
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(50));
        Assert.Equal([sleeper], Connection.Wait([quiet, sleeper], Long)); // woken by the exit, not by a time-out
        other.Send("now");
        Assert.Equal(new object[] { quiet, sleeper }, Connection.Wait([quiet, sleeper], Long));
        Assert.Throws<ArgumentException>(() => Connection.Wait(["not a connection"], TimeSpan.Zero));
    }
}

/// <summary>A child that sleeps, for waits on processes.</summary>
public static class SyncTargetsForWait
{
    public static void SleepMs(int ms) => Thread.Sleep(ms);
}
