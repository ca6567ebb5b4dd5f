namespace Actors.Tests.Coordination.Pool;

public sealed class PoolMapTests : PoolTest
{
    [Fact]
    public void Map_Squares_InOrder()
    {
        List<int> results = Pool.Map(Tasks.Square, Enumerable.Range(0, 1000));
        Assert.Equal(Enumerable.Range(0, 1000).Select(x => x * x), results);
    }
}
