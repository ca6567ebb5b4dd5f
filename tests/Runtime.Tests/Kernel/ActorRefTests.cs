using static Actors.Runtime.Tests.TestActors;

namespace Actors.Runtime.Tests.Kernel;

public sealed class ActorRefTests : SystemTest
{
    [Fact]
    public void ActorRef_Printed_ParsesBackToSameId()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>(), "echo");
        string text = echo.ToString();
        Assert.StartsWith("actors://local/user/echo#", text, StringComparison.Ordinal);
        Assert.Equal(echo.Id, ActorId.Parse(text));
    }

    [Fact]
    public async Task ActorRef_SameNameRespawned_IsNotEqualToOld()
    {
        ActorRef first = System.Spawn(Props.Create<Echo>(), "again");
        await System.StopAsync(first);
        ActorRef second = System.Spawn(Props.Create<Echo>(), "again");
        Assert.NotEqual(first, second);
        Assert.Equal(first.Path, second.Path);
    }

    [Fact]
    public void ActorRef_Equality_IsByIdentityValue()
    {
        ActorRef echo = System.Spawn(Props.Create<Echo>());
        ActorRef resolved = System.Resolve(echo.Id);
        Assert.Equal(echo, resolved);
        Assert.True(echo == resolved);
        Assert.Equal(echo.GetHashCode(), resolved.GetHashCode());
    }

    [Fact]
    public void Spawn_DuplicateName_ThrowsArgumentException()
    {
        System.Spawn(Props.Create<Echo>(), "dup");
        var ex = Assert.Throws<ArgumentException>(() => System.Spawn(Props.Create<Echo>(), "dup"));
        Assert.Contains("already exists", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("$x")]
    [InlineData("a b")]
    public void Spawn_InvalidName_ThrowsArgumentException(string name) =>
        Assert.Throws<ArgumentException>(() => System.Spawn(Props.Create<Echo>(), name));

    [Fact]
    public void Actor_CreatedWithNew_ThrowsWithAdvice()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new Echo());
        Assert.Contains("Props.Create", ex.Message, StringComparison.Ordinal);
    }
}
