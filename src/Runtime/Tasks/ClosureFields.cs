using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Actors.Runtime.Tasks;

/// <summary>
/// What a lambda really uses of its closure. C# puts every captured local of one scope into one compiler-generated
/// object, so <c>x =&gt; x * factor</c> written beside a <c>pool</c> variable carries the pool too. The task's IL says
/// which fields it reads (and those read by the closure's other methods it calls, and through a parent scope's closure);
/// only those travel: the closure is copied with the others left empty.
/// </summary>
internal static class ClosureFields
{
    private static readonly ConditionalWeakTable<MethodInfo, HashSet<FieldInfo>> Used = [];

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>A copy of <paramref name="target"/> holding only the fields <paramref name="method"/> uses, or the target itself when it is not a closure.</summary>
    public static object? Trim(MethodInfo method, object? target)
    {
        if (target is null || !IsClosure(target.GetType()))
        {
            return target;
        }
        HashSet<FieldInfo> used = Used.GetValue(method, static m => Collect(m));
        return Copy(target, used, depth: 0);
    }

    private static bool IsClosure(Type type) => type.IsClass && type.IsDefined(typeof(CompilerGeneratedAttribute));

    private static object Copy(object closure, HashSet<FieldInfo> used, int depth)
    {
        Type type = closure.GetType();
        object copy = RuntimeHelpers.GetUninitializedObject(type);
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (!used.Contains(field))
            {
                continue;
            }
            object? value = field.GetValue(closure);
            // A parent scope's closure (CS$<>8__locals1) is trimmed the same way.
            field.SetValue(copy, value is not null && depth < 8 && IsClosure(value.GetType()) ? Copy(value, used, depth + 1) : value);
        }
        return copy;
    }

    /// <summary>Every field of a closure class that the method, or a closure method it calls, reads, writes or takes the address of.</summary>
    private static HashSet<FieldInfo> Collect(MethodInfo method)
    {
        var fields = new HashSet<FieldInfo>();
        var visited = new HashSet<MethodBase>();
        Walk(method, fields, visited);
        return fields;
    }

    private static void Walk(MethodBase method, HashSet<FieldInfo> fields, HashSet<MethodBase> visited)
    {
        if (!visited.Add(method) || method.GetMethodBody()?.GetILAsByteArray() is not { } il)
        {
            return;
        }
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE && at + 1 < il.Length ? (short)(0xFE00 | il[at + 1]) : il[at];
            if (!OpCodesByValue.TryGetValue(value, out OpCode op))
            {
                return; // not IL we know: keep what was found (the serializer then reports any field that cannot travel)
            }
            at += op.Size;
            int operand = OperandSize(op.OperandType, il, at);
            if (op.OperandType == OperandType.InlineField)
            {
                if (Resolve<FieldInfo>(() => method.Module.ResolveField(BitConverter.ToInt32(il, at), typeArguments, methodArguments)) is FieldInfo field && field.DeclaringType is { } owner && IsClosure(owner))
                {
                    fields.Add(field);
                }
            }
            else if (op.OperandType == OperandType.InlineMethod)
            {
                if (Resolve<MethodBase>(() => method.Module.ResolveMethod(BitConverter.ToInt32(il, at), typeArguments, methodArguments)) is MethodBase callee
                    && callee.DeclaringType is { } owner && IsClosure(owner) && !callee.IsConstructor)
                {
                    Walk(callee, fields, visited); // another method of a closure: a nested lambda or local function reads fields too
                }
            }
            at += operand;
        }
    }

    private static T? Resolve<T>(Func<T?> resolve) where T : class
    {
        try
        {
            return resolve();
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static int OperandSize(OperandType type, byte[] il, int at) => type switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };
}
