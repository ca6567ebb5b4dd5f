using Actors.TestKit;

namespace Actors.Runtime.Tests;

/// <summary>The TestKit's own promises: expectations fail clearly, and waits are bounded.</summary>
public sealed class TestKitTests : SystemTest
{
    [Fact]
    public async Task FishForMessage_SkipsOthers_UntilOneMatches()
    {
        var probe = CreateProbe();
        probe.Ref.Tell("noise");
        probe.Ref.Tell(1);
        probe.Ref.Tell(42);
        Assert.Equal(42, await probe.FishForMessageAsync<int>(x => x > 10));
    }

    [Fact]
    public async Task FishForMessage_NoneMatches_FailsNamingWhatItSkipped()
    {
        var probe = CreateProbe();
        probe.Ref.Tell("noise");
        // The window must outlast the delivery of "noise", even on a loaded machine, for the failure to name it.
        var ex = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => probe.FishForMessageAsync<int>(_ => true, TestKitTimes.Dilated(TimeSpan.FromMilliseconds(500))));
        Assert.Contains("String", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectMsg_WrongTypeOrNothing_FailsClearly()
    {
        var probe = CreateProbe();
        probe.Ref.Tell("text");
        var wrong = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => probe.ExpectMsgAsync<int>());
        Assert.Contains("Expected a Int32, but got String", wrong.Message, StringComparison.Ordinal);
        var nothing = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => probe.ExpectMsgAsync<int>(timeout: TimeSpan.FromMilliseconds(50)));
        Assert.Contains("no message came", nothing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpectNoMsg_SomethingArrives_Fails()
    {
        var probe = CreateProbe();
        probe.Ref.Tell("surprise");
        await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => probe.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public void Dilated_IsAtLeastTheGivenTime() =>
        Assert.True(TestKitTimes.Dilated(TimeSpan.FromSeconds(2)) >= TimeSpan.FromSeconds(2));
}
