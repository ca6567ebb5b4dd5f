using System.Reflection;

namespace Actors.Coordination.Managers;

/// <summary>
/// The objects a manager serves, and how each kind answers a method by name. Runs only on the manager's server
/// thread, except <see cref="Register"/>.
/// </summary>
internal sealed class ManagedObjects
{
    private readonly Dictionary<long, object> _objects = [];
    // Written by the app's thread (Manager.Register), read by the server's: the one piece two threads reach.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<object>> _factories = new(StringComparer.Ordinal);
    private long _nextId;

    /// <summary>A namespace: attributes by name (CPython's <c>Namespace</c>).</summary>
    internal sealed class Attributes : Dictionary<string, object?>
    {
        public Attributes() : base(StringComparer.Ordinal) { }
    }

    public void Register(string typeId, Func<object> factory) => _factories[typeId] = factory;

    /// <summary>Answers one call; throws what the method threw (it goes back to the caller as the same type).</summary>
    public object? Call(long id, string method, object?[] args)
    {
        if (id == 0)
        {
            return Create(method, args);
        }
        if (!_objects.TryGetValue(id, out object? target))
        {
            throw new InvalidOperationException($"the manager holds no object {id} (it was released, or the manager was restarted)");
        }
        return target switch
        {
            Dictionary<object, object?> dict => DictCall(dict, method, args),
            List<object?> list => ListCall(list, method, args),
            Attributes attributes => NamespaceCall(attributes, method, args),
            _ => Invoke(target, method, args),
        };
    }

    private long Create(string kind, object?[] args)
    {
        object created = kind switch
        {
            "dict" => new Dictionary<object, object?>(),
            "list" => new List<object?>(args.Length == 1 && args[0] is object?[] items ? items : []),
            "namespace" => new Attributes(),
            "release" => Release(args),
            _ when _factories.TryGetValue(kind, out Func<object>? factory) => factory(),
            _ => throw new ArgumentException($"the manager has no type '{kind}': register it with Manager.Register first"),
        };
        if (kind == "release")
        {
            return 0;
        }
        long id = ++_nextId;
        _objects[id] = created;
        return id;
    }

    private int Release(object?[] args)
    {
        if (args is [long id])
        {
            _objects.Remove(id);
        }
        return 0;
    }

    private static object? DictCall(Dictionary<object, object?> dict, string method, object?[] args) => (method, args) switch
    {
        ("get", [{ } key]) => dict.TryGetValue(key, out object? value) ? value : throw new KeyNotFoundException($"the key '{key}' is not in the dictionary"),
        ("set", [{ } key, var value]) => dict[key] = value,
        ("contains", [{ } key]) => dict.ContainsKey(key),
        ("remove", [{ } key]) => dict.Remove(key),
        ("count", []) => dict.Count,
        ("keys", []) => dict.Keys.ToArray(),
        ("values", []) => dict.Values.ToArray(),
        ("clear", []) => Cleared(dict),
        _ => throw new ArgumentException($"a managed dictionary has no method '{method}' taking {args.Length} arguments (a null key?)"),
    };

    private static object? ListCall(List<object?> list, string method, object?[] args) => (method, args) switch
    {
        ("get", [int index]) => list[index],
        ("set", [int index, var value]) => list[index] = value,
        ("append", [var value]) => Appended(list, value),
        ("extend", [object?[] values]) => Extended(list, values),
        ("insert", [int index, var value]) => Inserted(list, index, value),
        ("remove_at", [int index]) => RemovedAt(list, index),
        ("count", []) => list.Count,
        ("copy", []) => list.ToArray(),
        ("clear", []) => Cleared(list),
        _ => throw new ArgumentException($"a managed list has no method '{method}' taking {args.Length} arguments"),
    };

    private static object? NamespaceCall(Attributes attributes, string method, object?[] args) => (method, args) switch
    {
        ("get", [string name]) => attributes.TryGetValue(name, out object? value) ? value : throw new MissingMemberException($"'Namespace' object has no attribute '{name}'"),
        ("set", [string name, var value]) => attributes[name] = value,
        ("remove", [string name]) => attributes.Remove(name) ? 0 : throw new MissingMemberException($"'Namespace' object has no attribute '{name}'"),
        ("names", []) => attributes.Keys.ToArray(),
        _ => throw new ArgumentException($"a managed namespace has no method '{method}' taking {args.Length} arguments"),
    };

    /// <summary>A registered type's public method, found by name and argument count.</summary>
    private static object? Invoke(object target, string method, object?[] args)
    {
        MethodInfo? found = target.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(m => m.Name == method && m.GetParameters().Length == args.Length)
            ?? throw new MissingMethodException($"'{target.GetType().Name}' has no public method '{method}' taking {args.Length} arguments");
        try
        {
            return found.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }
    }

    private static int Cleared<T>(ICollection<T> collection)
    {
        collection.Clear();
        return 0;
    }

    private static int Appended(List<object?> list, object? value)
    {
        list.Add(value);
        return list.Count;
    }

    private static int Extended(List<object?> list, object?[] values)
    {
        list.AddRange(values);
        return list.Count;
    }

    private static int Inserted(List<object?> list, int index, object? value)
    {
        list.Insert(index, value);
        return list.Count;
    }

    private static object? RemovedAt(List<object?> list, int index)
    {
        object? value = list[index];
        list.RemoveAt(index);
        return value;
    }
}
