using System.Buffers;

namespace Actors;

public sealed partial class Pool
{
    /// <summary>
    /// Fails the call at once, naming the argument and its type, when a value cannot travel to a worker (CPython pickles
    /// the arguments at the call too). Values of types that always travel (numbers, strings) are not encoded twice.
    /// </summary>
    /// <exception cref="PayloadSerializationException">The value cannot be serialized; the message names the argument.</exception>
    private void CheckArgument<T>(Delegate task, int position, T value)
    {
        if (AlwaysTravels(typeof(T)))
        {
            return;
        }
        try
        {
            _coordinator.Serializer.Serialize(new ArrayBufferWriter<byte>(), value, typeof(T));
        }
        catch (PayloadSerializationException ex)
        {
            System.Reflection.ParameterInfo[] parameters = task.Method.GetParameters();
            string name = position < parameters.Length ? parameters[position].Name ?? $"#{position + 1}" : $"#{position + 1}";
            throw new PayloadSerializationException(
                $"The argument '{name}' of the task {task.Method.Name} is a {Describe(value, typeof(T))}, which cannot travel to a worker: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The items of a map-like call: a type that can never travel (a stream, a delegate, a task) fails the call at once;
    /// for an array or a list, so does a first item that cannot be serialized. Items read lazily are checked as they go,
    /// and one that cannot travel fails alone.
    /// </summary>
    private void CheckItems<T>(Delegate task, IEnumerable<T> items)
    {
        if (AlwaysTravels(typeof(T)))
        {
            return;
        }
        if (PayloadSerializer.NeverTravels(typeof(T)) is { } reason)
        {
            throw new PayloadSerializationException($"The items given to the task {task.Method.Name} are {Runtime.Serialization.TypeCatalog.Display(typeof(T))}, which cannot travel to a worker: {reason}.");
        }
        T first;
        switch (items)
        {
            case IList<T> { Count: > 0 } list: first = list[0]; break;
            case IReadOnlyList<T> { Count: > 0 } list: first = list[0]; break;
            default: return;
        }
        try
        {
            _coordinator.Serializer.Serialize(new ArrayBufferWriter<byte>(), first, typeof(T));
        }
        catch (PayloadSerializationException ex)
        {
            throw new PayloadSerializationException($"Item 0 given to the task {task.Method.Name} is a {Describe(first, typeof(T))}, which cannot travel to a worker: {ex.Message}", ex);
        }
    }

    private static string Describe(object? value, Type declared) =>
        value is null || value.GetType() == declared
            ? Runtime.Serialization.TypeCatalog.Display(declared)
            : $"{Runtime.Serialization.TypeCatalog.Display(value.GetType())} (passed as {Runtime.Serialization.TypeCatalog.Display(declared)})";

    /// <summary>Every value of these types can be serialized: primitives, strings, and arrays of them.</summary>
    private static bool AlwaysTravels(Type type) =>
        type.IsArray ? type.IsSZArray && AlwaysTravels(type.GetElementType()!) :
        (type.IsPrimitive && type != typeof(IntPtr) && type != typeof(UIntPtr)) || type == typeof(string) || type == typeof(decimal);
}
