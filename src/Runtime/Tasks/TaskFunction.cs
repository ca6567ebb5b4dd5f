using System.Reflection;

namespace Actors.Runtime.Tasks;

/// <summary>
/// A delegate in a form that can travel: the method (by declaring type and metadata token, valid
/// because the worker runs the same build) and its target. A closure's target is the compiler's
/// display-class instance, so captured variables travel as its fields, through the payload serializer.
/// </summary>
internal sealed record TaskFunction(string DeclaringType, int MethodToken, object? Target)
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MethodInfo, TaskFunction> StaticForms = [];

    public static TaskFunction From(Delegate function, IPayloadSerializer serializer)
    {
        ArgumentNullException.ThrowIfNull(function);
        // A static method, or a lambda that captures nothing, always travels the same way: build it once.
        bool stateless = function.Target is null || (function.Target.GetType().IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)) && function.Target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0);
        if (stateless && StaticForms.TryGetValue(function.Method, out TaskFunction? known))
        {
            return known;
        }
        if (function.GetInvocationList().Length != 1)
        {
            throw new ArgumentException("A multicast delegate cannot be a task; pass a single method.", nameof(function));
        }
        MethodInfo method = function.Method;
        Type declaring = method.DeclaringType ?? throw new ArgumentException("A dynamic method cannot be a task.", nameof(function));
        if (method.IsGenericMethod)
        {
            throw new ArgumentException($"{method.Name} is a generic method; wrap it in a lambda with the type arguments fixed.", nameof(function));
        }
        // Only the captured values the task uses travel (see ClosureFields): not the pool beside them in the same scope.
        var spec = new TaskFunction(declaring.AssemblyQualifiedName!, method.MetadataToken, ClosureFields.Trim(method, function.Target));
        try
        {
            serializer.Serialize(spec); // fail at submission, not on the worker
        }
        catch (PayloadSerializationException ex)
        {
            throw new PayloadSerializationException(Describe(method, function.Target, ex), ex);
        }
        if (stateless)
        {
            StaticForms.TryAdd(method, spec);
        }
        return spec;
    }

    /// <summary>Turns "TaskFunction.Target.&lt;&gt;4__this: ..." into words about the captured variable.</summary>
    private static string Describe(MethodInfo method, object? target, PayloadSerializationException ex)
    {
        const string prefix = "TaskFunction.Target.";
        string message = ex.Message;
        if (!message.StartsWith(prefix, StringComparison.Ordinal))
        {
            return $"The task {method.Name} cannot travel to another process: {message}";
        }
        string rest = message[prefix.Length..];
        int end = rest.IndexOfAny(['.', ':', '[']);
        string captured = end < 0 ? rest : rest[..end];
        bool closure = target?.GetType().IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)) == true;
        if (captured == "<>4__this" || !closure)
        {
            captured = closure ? "this" : $"this ({target!.GetType().Name}, through its field '{captured}')";
        }
        return $"The task {method.Name} captures '{captured}' and uses it, which cannot travel to another process: {message[prefix.Length..]}. Pass what the task needs as its argument, or copy the serializable part (a number, a string, a byte[]) into a local and use that; a static lambda shows what it captures.";
    }

    /// <summary>On the worker: the method, checked to come from an allowed assembly.</summary>
    public MethodInfo Resolve(IReadOnlyCollection<Assembly> allowed)
    {
        // A type that is not generic: its assembly by simple name, then the method by token in that assembly's module,
        // checked to be declared by the named type. No type name is parsed: the parser's code is compiled on first
        // use, 10 ms of a fresh child process.
        if (DeclaringType.IndexOfAny(['[', '\\']) < 0 && DeclaringType.Split(", ") is [_, string assemblyName, ..]
            && allowed.FirstOrDefault(a => a.GetName().Name == assemblyName) is { } declaring)
        {
            try
            {
                if (declaring.ManifestModule.ResolveMethod(MethodToken) is MethodInfo direct && direct.DeclaringType?.AssemblyQualifiedName == DeclaringType)
                {
                    return direct;
                }
            }
            catch (ArgumentException)
            {
            }
        }
        Type type = Type.GetType(DeclaringType, name => allowed.FirstOrDefault(a => a.GetName().Name == name.Name)
                ?? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name.Name && IsFramework(a)),
            null, throwOnError: false)
            ?? throw new InvalidOperationException($"The task's type '{DeclaringType}' cannot be found on this worker among the allowed assemblies.");
        // By token first: only that method's signature is read (listing every method of a type loads the assemblies of
        // all their signatures, milliseconds in a fresh child); the listing remains for what a token cannot name alone.
        try
        {
            if (type.Module.ResolveMethod(MethodToken) is MethodInfo byToken && byToken.DeclaringType == type)
            {
                return byToken;
            }
        }
        catch (ArgumentException)
        {
        }
        return type.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .FirstOrDefault(m => m.MetadataToken == MethodToken)
            ?? throw new InvalidOperationException($"The task's method (token {MethodToken}) is not in {type.Name} on this worker; are the coordinator and the worker the same build?");
    }

    private static bool IsFramework(Assembly assembly) => assembly.GetName().Name is { } n && (n.StartsWith("System.", StringComparison.Ordinal) || n == "System.Private.CoreLib");
}
