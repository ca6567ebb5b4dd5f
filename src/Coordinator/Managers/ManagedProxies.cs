using Actors.Coordination.Managers;
using Actors.Coordination.Sync;
using Actors.Runtime.Serialization;

namespace Actors;

/// <summary>A proxy to a dictionary a <see cref="Manager"/> owns (CPython's <c>DictProxy</c>); pass it to any process.</summary>
public sealed class ManagedDict<TKey, TValue> : IProcessShared<ManagedDict<TKey, TValue>> where TKey : notnull
{
    private readonly ManagerAddress _manager;
    private readonly long _id;

    internal ManagedDict(ManagerAddress manager, long id)
    {
        SharedPayloads.Trust(typeof(TKey));
        SharedPayloads.Trust(typeof(TValue));
        _manager = manager;
        _id = id;
    }

    string IProcessShared.Handle => $"{_id}#{_manager.Handle}";

    static ManagedDict<TKey, TValue> IProcessShared<ManagedDict<TKey, TValue>>.Attach(string handle)
    {
        (ManagerAddress manager, long id) = ManagedHandle.Parse(handle);
        return new ManagedDict<TKey, TValue>(manager, id);
    }

    /// <summary>The value of a key.</summary>
    /// <exception cref="KeyNotFoundException">The key is not there (CPython's KeyError).</exception>
    public TValue this[TKey key]
    {
        get => (TValue)_manager.Call(_id, "get", key)!;
        set => _manager.Call(_id, "set", key, value);
    }

    /// <summary>How many entries it holds.</summary>
    public int Count => (int)_manager.Call(_id, "count")!;

    /// <summary>Whether it holds <paramref name="key"/>.</summary>
    public bool ContainsKey(TKey key) => (bool)_manager.Call(_id, "contains", key)!;

    /// <summary>The value of <paramref name="key"/>, if it is there.</summary>
    public bool TryGetValue(TKey key, out TValue value)
    {
        try
        {
            value = this[key];
            return true;
        }
        catch (KeyNotFoundException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary>Removes a key; false if it was not there.</summary>
    public bool Remove(TKey key) => (bool)_manager.Call(_id, "remove", key)!;

    /// <summary>Removes every entry.</summary>
    public void Clear() => _manager.Call(_id, "clear");

    /// <summary>A copy of the keys.</summary>
    public IReadOnlyList<TKey> Keys => [.. ((object?[])_manager.Call(_id, "keys")!).Cast<TKey>()];

    /// <summary>A copy of the values.</summary>
    public IReadOnlyList<TValue> Values => [.. ((object?[])_manager.Call(_id, "values")!).Cast<TValue>()];

    /// <summary>A local copy of the whole dictionary.</summary>
    public Dictionary<TKey, TValue> ToDictionary() => Keys.Zip(Values).ToDictionary(p => p.First, p => p.Second);
}

/// <summary>A proxy to a list a <see cref="Manager"/> owns (CPython's <c>ListProxy</c>); pass it to any process.</summary>
public sealed class ManagedList<T> : IProcessShared<ManagedList<T>>
{
    private readonly ManagerAddress _manager;
    private readonly long _id;

    internal ManagedList(ManagerAddress manager, long id)
    {
        SharedPayloads.Trust(typeof(T));
        _manager = manager;
        _id = id;
    }

    string IProcessShared.Handle => $"{_id}#{_manager.Handle}";

    static ManagedList<T> IProcessShared<ManagedList<T>>.Attach(string handle)
    {
        (ManagerAddress manager, long id) = ManagedHandle.Parse(handle);
        return new ManagedList<T>(manager, id);
    }

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such index (CPython's IndexError).</exception>
    public T this[int index]
    {
        get => (T)_manager.Call(_id, "get", index)!;
        set => _manager.Call(_id, "set", index, value);
    }

    /// <summary>How many items it holds.</summary>
    public int Count => (int)_manager.Call(_id, "count")!;

    /// <summary>Appends an item (CPython's <c>append</c>); the add and the count are one atomic call.</summary>
    public void Add(T item) => _manager.Call(_id, "append", item);

    /// <summary>Appends items (CPython's <c>extend</c>).</summary>
    public void AddRange(IEnumerable<T> items) => _manager.Call(_id, "extend", [items.Cast<object?>().ToArray()]);

    /// <summary>Inserts an item at <paramref name="index"/>.</summary>
    public void Insert(int index, T item) => _manager.Call(_id, "insert", index, item);

    /// <summary>Removes the item at <paramref name="index"/> and returns it (CPython's <c>pop(index)</c>).</summary>
    public T RemoveAt(int index) => (T)_manager.Call(_id, "remove_at", index)!;

    /// <summary>Removes every item.</summary>
    public void Clear() => _manager.Call(_id, "clear");

    /// <summary>A local copy (CPython's <c>list(proxy)</c>).</summary>
    public List<T> ToList() => [.. ((object?[])_manager.Call(_id, "copy")!).Cast<T>()];
}

/// <summary>A proxy to a namespace a <see cref="Manager"/> owns (CPython's <c>Namespace</c>): attributes by name.</summary>
public sealed class ManagedNamespace : IProcessShared<ManagedNamespace>
{
    private readonly ManagerAddress _manager;
    private readonly long _id;

    internal ManagedNamespace(ManagerAddress manager, long id)
    {
        _manager = manager;
        _id = id;
    }

    string IProcessShared.Handle => $"{_id}#{_manager.Handle}";

    static ManagedNamespace IProcessShared<ManagedNamespace>.Attach(string handle)
    {
        (ManagerAddress manager, long id) = ManagedHandle.Parse(handle);
        return new ManagedNamespace(manager, id);
    }

    /// <summary>An attribute (CPython's <c>ns.name</c>).</summary>
    /// <exception cref="MissingMemberException">No attribute of that name (CPython's AttributeError).</exception>
    public object? this[string name]
    {
        get => _manager.Call(_id, "get", name);
        set => _manager.Call(_id, "set", name, value);
    }

    /// <summary>An attribute as a <typeparamref name="T"/>.</summary>
    public T Get<T>(string name)
    {
        SharedPayloads.Trust(typeof(T));
        return (T)this[name]!;
    }

    /// <summary>Removes an attribute (CPython's <c>del ns.name</c>).</summary>
    public void Remove(string name) => _manager.Call(_id, "remove", name);

    /// <summary>The names of its attributes.</summary>
    public IReadOnlyList<string> Names => [.. ((object?[])_manager.Call(_id, "names")!).Cast<string>()];
}

/// <summary>A proxy to an object of a type registered with <see cref="Manager.Register"/>: its public methods, called by name.</summary>
public sealed class ManagedObject : IProcessShared<ManagedObject>
{
    private readonly ManagerAddress _manager;
    private readonly long _id;

    internal ManagedObject(ManagerAddress manager, long id)
    {
        _manager = manager;
        _id = id;
    }

    string IProcessShared.Handle => $"{_id}#{_manager.Handle}";

    static ManagedObject IProcessShared<ManagedObject>.Attach(string handle)
    {
        (ManagerAddress manager, long id) = ManagedHandle.Parse(handle);
        return new ManagedObject(manager, id);
    }

    /// <summary>Calls a public method by name in the manager's process and returns its result.</summary>
    /// <exception cref="MissingMethodException">No public method of that name takes that many arguments.</exception>
    public TResult Call<TResult>(string method, params object?[] args)
    {
        SharedPayloads.Trust(typeof(TResult));
        return (TResult)_manager.Call(_id, method, args)!;
    }

    /// <summary>Calls a public method by name in the manager's process.</summary>
    public void Call(string method, params object?[] args) => _manager.Call(_id, method, args);
}

/// <summary>The handle of a proxy: the object's id and the manager's address.</summary>
internal static class ManagedHandle
{
    public static (ManagerAddress Manager, long Id) Parse(string handle)
    {
        int hash = handle.IndexOf('#', StringComparison.Ordinal);
        if (hash <= 0 || !long.TryParse(handle.AsSpan(0, hash), System.Globalization.CultureInfo.InvariantCulture, out long id))
        {
            throw new ArgumentException("not a managed object's handle", nameof(handle));
        }
        return (ManagerAddress.Attach(handle[(hash + 1)..]), id);
    }
}
