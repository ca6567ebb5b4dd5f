using Actors.TestSupport;

namespace Actors.Tests.Coordination.Managers;

/// <summary>A type a manager serves once registered.</summary>
public sealed class Tally
{
    private int _count;

    public int Add(int by) => _count += by;

    public int Fail(string why) => throw new ArgumentException(why);
}

/// <summary>What child processes do with the proxies they are given.</summary>
public static class ManagerTargets
{
    public static void FillDict(ManagedDict<int, string> dict, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            dict[i] = $"v{i}";
        }
    }

    public static void AppendPid(ManagedList<int> list, ManagedNamespace ns)
    {
        list.Add(Environment.ProcessId);
        ns["last"] = Environment.ProcessId;
    }

    public static int AddToTally(ManagedObject tally, int by) => tally.Call<int>("Add", by);

    public static string CallAfterShutdown(ManagedDict<int, string> dict)
    {
        try
        {
            dict[1] = "x";
            return "no error";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
    }
}

/// <summary>Manager's dict, list, namespace and registered types across real child processes, with CPython's errors.</summary>
public sealed class ManagerTests
{
    private static readonly TimeSpan Long = TestTimes.Dilated(TimeSpan.FromSeconds(60));

    [Fact]
    public void DictFilledByTwoChildren_IsSeenWhole_AndAMissingKeyThrowsKeyNotFound()
    {
        using Manager manager = Manager.Start();
        ManagedDict<int, string> dict = manager.Dict<int, string>();
        ChildProcess[] children = [new ChildProcess(ManagerTargets.FillDict, [dict, 0, 500]), new ChildProcess(ManagerTargets.FillDict, [dict, 500, 500])];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        foreach (ChildProcess child in children)
        {
            child.Join(Long);
            Assert.Equal(0, child.ExitCode);
        }
        Assert.Equal(1000, dict.Count);
        Assert.Equal("v999", dict[999]);
        Assert.True(dict.ContainsKey(0));
        Assert.Throws<KeyNotFoundException>(() => dict[1000]); // the server's exception, as the same type
        Assert.False(dict.TryGetValue(-1, out _));
        Assert.True(dict.Remove(0));
        Assert.Equal(999, dict.ToDictionary().Count);
    }

    [Fact]
    public void ListAndNamespace_UpdatedByChildren_AndTheirErrorsAsInCPython()
    {
        using Manager manager = Manager.Start();
        ManagedList<int> list = manager.List([7]);
        ManagedNamespace ns = manager.Namespace();
        ChildProcess[] children = [.. Enumerable.Range(0, 3).Select(_ => new ChildProcess(ManagerTargets.AppendPid, [list, ns]))];
        foreach (ChildProcess child in children)
        {
            child.Start();
        }
        foreach (ChildProcess child in children)
        {
            child.Join(Long);
        }
        List<int> items = list.ToList();
        Assert.Equal(4, items.Count);
        Assert.Equal(7, items[0]);
        Assert.True(children.Select(c => c.Pid!.Value).Order().SequenceEqual(items.Skip(1).Order()), $"pids {string.Join(",", children.Select(c => c.Pid))} items {string.Join(",", items)}");
        Assert.Contains(ns.Get<int>("last"), items);
        Assert.Throws<ArgumentOutOfRangeException>(() => list[10]); // IndexError
        Assert.Equal("'Namespace' object has no attribute 'missing'", Assert.Throws<MissingMemberException>(() => ns["missing"]).Message); // AttributeError
        Assert.Equal(7, list.RemoveAt(0));
    }

    [Fact]
    public void ARegisteredType_IsServed_AndItsExceptionsComeBackAsTheSameType()
    {
        using Manager manager = Manager.Start();
        manager.Register("Tally", () => new Tally());
        ManagedObject tally = manager.Create("Tally");
        var child = new ChildProcess<int>(ManagerTargets.AddToTally, [tally, 5]);
        child.Start();
        child.Join(Long);
        Assert.Equal(5, child.Result);
        Assert.Equal(8, tally.Call<int>("Add", 3));
        Assert.Equal("bad", Assert.Throws<ArgumentException>(() => tally.Call<int>("Fail", "bad")).Message);
        Assert.Throws<MissingMethodException>(() => tally.Call("Nope"));
        Assert.Throws<ArgumentException>(() => manager.Create("Unknown"));
    }

    [Fact]
    public void CallsAfterShutdown_FailInEveryProcess_NoneHangs()
    {
        Manager manager = Manager.Start();
        ManagedDict<int, string> dict = manager.Dict<int, string>();
        dict[0] = "before";
        manager.Shutdown();
        Assert.Contains("shut down", Assert.Throws<InvalidOperationException>(() => dict[0]).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => manager.Dict<int, int>());
        var child = new ChildProcess<string>(ManagerTargets.CallAfterShutdown, [dict]);
        child.Start();
        child.Join(Long);
        Assert.Contains("shut down", child.Result, StringComparison.Ordinal);
    }
}
