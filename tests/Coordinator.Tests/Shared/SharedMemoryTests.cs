using Actors.TestSupport;
using Actors.Tests.Coordination.Sync;

namespace Actors.Tests.Coordination.Shared;

/// <summary>SharedMemory, Value and Array across real child processes, with CPython's error cases.</summary>
public sealed class SharedMemoryTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void ABlockWrittenByAChild_IsReadInPlaceByItsCreator()
    {
        using SharedMemory block = SharedMemory.Create(4096);
        Assert.StartsWith("psm_", block.Name, StringComparison.Ordinal);
        var child = new ChildProcess(SyncTargets.WriteShared, [block, (byte)7]);
        child.Start();
        child.Join(Long);
        Assert.Equal(0, child.ExitCode);
        Assert.All(block.AsSpan().ToArray(), b => Assert.Equal(7, b));
        using SharedMemory again = SharedMemory.Attach(block.Name);
        Assert.Equal(4096, again.Size);
        again.AsSpan<int>()[0] = 42;
        Assert.Equal(42, block.AsSpan<int>()[0]);
        Assert.Equal(42, block.Memory.Span[0]);
        block.Unlink();
        Assert.False(File.Exists("/dev/shm/" + block.Name));
    }

    [Fact]
    public void BadSizesAndNames_AsInCPython()
    {
        Assert.Contains("'size' must be a positive number different from zero", Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(0)).Message, StringComparison.Ordinal);
        Assert.Contains("'size' must be a positive integer", Assert.Throws<ArgumentOutOfRangeException>(() => SharedMemory.Create(-1)).Message, StringComparison.Ordinal);
        string name = "actors_test_" + Guid.NewGuid().ToString("N")[..8];
        Assert.Throws<FileNotFoundException>(() => SharedMemory.Attach(name));
        using SharedMemory block = SharedMemory.Create(100, name);
        Assert.StartsWith("File exists", Assert.Throws<IOException>(() => SharedMemory.Create(100, name)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SharedMemory.Create(10, "a/b"));
        block.Unlink();
        Assert.Throws<FileNotFoundException>(block.Unlink); // double unlink
        block.AsSpan()[0] = 1; // the view outlives the unlink
        block.Close();
        Assert.Throws<ObjectDisposedException>(() => block.AsSpan());
    }

    [Fact]
    public void ShareableList_EditedByAChild_InPlace_WithCPythonsLimits()
    {
        using ShareableList list = ShareableList.Create([7, "hello", 2.5, true, new byte[] { 1, 2 }, null]);
        var child = new ChildProcess(SyncTargets.EditList, [list]);
        child.Start();
        child.Join(Long);
        Assert.Equal(0, child.ExitCode);
        Assert.Equal([70L, "howdy", 2.5, null, new byte[] { 1, 2 }, null], list.ToList());
        Assert.Equal(6, list.Count);
        Assert.Equal(1, list.IndexOf("howdy"));
        Assert.Equal(2, list.CountOf(null));
        Assert.Throws<ArgumentException>(() => list[1] = "a string longer than its room"); // ValueError: exceeds available storage
        Assert.Throws<ArgumentOutOfRangeException>(() => list[6]);
        Assert.Throws<ArgumentException>(() => list.IndexOf("absent"));
        Assert.Throws<ArgumentException>(() => ShareableList.Create([new object()]));
        using ShareableList again = ShareableList.Attach(list.Shm.Name);
        Assert.Equal(70L, again[0]);
        list.Shm.Unlink();
    }

    [Fact]
    public void ArrayFilledByAChild_IsSeenInPlace_AndValueAtomicsWork()
    {
        using var array = new SharedArray<double>(1000);
        var child = new ChildProcess(SyncTargets.FillArray, [array]);
        child.Start();
        child.Join(Long);
        Assert.Equal(999 * 1.5, array[999]);
        Assert.Equal(1000, array.Length);
        Assert.Throws<IndexOutOfRangeException>(() => array[1000]);
        using var value = new SharedValue<long>(5, withLock: false);
        Assert.Equal(8, value.Add(3));
        Assert.Equal(8, value.Exchange(1));
        Assert.Equal(1, value.CompareExchange(10, 1));
        Assert.Equal(10, value.Value);
        Assert.Throws<InvalidOperationException>(value.GetLock);
        using var flag = new SharedValue<double>(1.5);
        Assert.Throws<NotSupportedException>(() => flag.Add(1));
    }
}
