namespace Actors.Messages.Tests;

public sealed class WireContractTests
{
    [Fact]
    public void ActorId_ToString_ParsesBack()
    {
        var id = new ActorId("worker-1", "/user/a/$2", 42);
        Assert.Equal("actors://worker-1/user/a/$2#42", id.ToString());
        Assert.Equal(id, ActorId.Parse(id.ToString()));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("actors://x")]
    [InlineData("actors://node/path#notanumber")]
    public void ActorId_Parse_Malformed_ThrowsFormatException(string text) =>
        Assert.Throws<FormatException>(() => ActorId.Parse(text));

    [Fact]
    public void RuntimeMessageIds_AreStable()
    {
        // Ids are a wire contract: renumbering breaks nodes of neighbouring versions.
        Assert.Equal(1, (int)RuntimeMessageId.PoisonPill);
        Assert.Equal(2, (int)RuntimeMessageId.Watch);
        Assert.Equal(3, (int)RuntimeMessageId.Unwatch);
        Assert.Equal(4, (int)RuntimeMessageId.DeathWatchNotification);
        Assert.Equal(6, (int)RuntimeMessageId.Stop);
    }
}
