using System.Reflection;

namespace Actors.Coordination.Pooling;

/// <summary>
/// Calls the task on every item of a chunk without boxing: built once per method as a typed
/// <c>Func</c> over typed arrays (<c>T[]</c> for one argument, value tuples for several).
/// </summary>
internal abstract class ChunkInvoker
{
    public abstract Type ItemType { get; }

    /// <summary>
    /// Runs the items in order; a failing item records its exception and the rest go on. Stops at a boundary of
    /// <paramref name="unit"/> items once <paramref name="stopAfter"/> (a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp) has passed, and says in <paramref name="ran"/> how many it ran.
    /// </summary>
    public abstract Array Run(Array items, List<int> failedOffsets, List<Exception> failures, int unit, long stopAfter, out int ran, CancellationToken cancellationToken);

    public static ChunkInvoker Create(MethodInfo method, object? target)
    {
        ParameterInfo[] parameters = method.GetParameters();
        bool cancellable = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken);
        Type[] arguments = [.. parameters.Take(parameters.Length - (cancellable ? 1 : 0)).Select(p => p.ParameterType)];
        Type result = method.ReturnType == typeof(void) ? throw new InvalidOperationException($"{method.Name} returns nothing; a pool task must return a value.") : method.ReturnType;
        Type invoker = (arguments.Length, cancellable) switch
        {
            (0, false) => typeof(Invoker0<>).MakeGenericType(result),
            (0, true) => typeof(Invoker0C<>).MakeGenericType(result),
            (1, false) => typeof(Invoker1<,>).MakeGenericType(arguments[0], result),
            (1, true) => typeof(Invoker1C<,>).MakeGenericType(arguments[0], result),
            (2, false) => typeof(Invoker2<,,>).MakeGenericType(arguments[0], arguments[1], result),
            (3, false) => typeof(Invoker3<,,,>).MakeGenericType(arguments[0], arguments[1], arguments[2], result),
            _ => throw new InvalidOperationException($"{method.Name} takes {parameters.Length} parameters; pool tasks take up to three (plus an optional CancellationToken)."),
        };
        return (ChunkInvoker)Activator.CreateInstance(invoker, method, target)!;
    }

    private static TDelegate Bind<TDelegate>(MethodInfo method, object? target) where TDelegate : Delegate =>
        method.IsStatic ? method.CreateDelegate<TDelegate>() : method.CreateDelegate<TDelegate>(target);

    private abstract class Typed<TItem, TResult> : ChunkInvoker
    {
        public override Type ItemType => typeof(TItem);

        public override Array Run(Array items, List<int> failedOffsets, List<Exception> failures, int unit, long stopAfter, out int ran, CancellationToken cancellationToken)
        {
            var typed = (TItem[])items;
            var results = new TResult[typed.Length];
            ran = typed.Length;
            for (int i = 0; i < typed.Length; i++)
            {
                if (stopAfter != long.MaxValue && i % unit == 0 && i > 0 && System.Diagnostics.Stopwatch.GetTimestamp() > stopAfter)
                {
                    ran = i;
                    break;
                }
                try
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    results[i] = Call(typed[i], cancellationToken);
                }
                catch (Exception ex)
                {
                    failedOffsets.Add(i);
                    failures.Add(ex);
                }
            }
            return results;
        }

        protected abstract TResult Call(TItem item, CancellationToken cancellationToken);
    }

    private sealed class Invoker0<TResult>(MethodInfo method, object? target) : Typed<int, TResult>
    {
        private readonly Func<TResult> _f = Bind<Func<TResult>>(method, target);

        protected override TResult Call(int item, CancellationToken cancellationToken) => _f();
    }

    private sealed class Invoker0C<TResult>(MethodInfo method, object? target) : Typed<int, TResult>
    {
        private readonly Func<CancellationToken, TResult> _f = Bind<Func<CancellationToken, TResult>>(method, target);

        protected override TResult Call(int item, CancellationToken cancellationToken) => _f(cancellationToken);
    }

    private sealed class Invoker1<T, TResult>(MethodInfo method, object? target) : Typed<T, TResult>
    {
        private readonly Func<T, TResult> _f = Bind<Func<T, TResult>>(method, target);

        protected override TResult Call(T item, CancellationToken cancellationToken) => _f(item);
    }

    private sealed class Invoker1C<T, TResult>(MethodInfo method, object? target) : Typed<T, TResult>
    {
        private readonly Func<T, CancellationToken, TResult> _f = Bind<Func<T, CancellationToken, TResult>>(method, target);

        protected override TResult Call(T item, CancellationToken cancellationToken) => _f(item, cancellationToken);
    }

    private sealed class Invoker2<T1, T2, TResult>(MethodInfo method, object? target) : Typed<(T1, T2), TResult>
    {
        private readonly Func<T1, T2, TResult> _f = Bind<Func<T1, T2, TResult>>(method, target);

        protected override TResult Call((T1, T2) item, CancellationToken cancellationToken) => _f(item.Item1, item.Item2);
    }

    private sealed class Invoker3<T1, T2, T3, TResult>(MethodInfo method, object? target) : Typed<(T1, T2, T3), TResult>
    {
        private readonly Func<T1, T2, T3, TResult> _f = Bind<Func<T1, T2, T3, TResult>>(method, target);

        protected override TResult Call((T1, T2, T3) item, CancellationToken cancellationToken) => _f(item.Item1, item.Item2, item.Item3);
    }
}
