namespace Actors.Messages.Tests;

public sealed class WireContractTests
{
    [Fact]
    public void FrameKinds_AreStable()
    {
        // A wire contract: renumbering breaks nodes of neighbouring versions.
        Assert.Equal([1, 2, 3, 4, 5, 10, 12, 13, 14, 15],
            Enum.GetValues<FrameKind>().Select(k => (int)k));
    }

    [Fact]
    public void LaneOps_AreStable()
    {
        Assert.Equal(0, (int)LaneOp.Tell);
        Assert.Equal(1, (int)LaneOp.Request);
        Assert.Equal(2, (int)LaneOp.Reply);
        Assert.Equal(3, (int)LaneOp.Failure);
    }

    [Fact]
    public void WorkerHello_IsAPlainRecord() =>
        Assert.Equal(new WorkerHello("worker-1", 7, "host", 2, 42), new WorkerHello("worker-1", 7, "host", 2, 42));
}
