using Actors.Runtime.Hosting;
using Actors.Runtime.Tasks;

namespace Actors.Runtime.Tests.Hosting;

/// <summary>The line a child process reads first, and how its target's method is found again.</summary>
public sealed class ProcessBootstrapTests
{
    [Fact]
    public void Line_RoundTrips_AndAnythingElseIsNotABootstrap()
    {
        var sent = new ProcessBootstrap("Process-1", "MainProcess", true, "warm", ["App", "Lib"], ["/a/App.dll", ""], [1, 2, 3], "actors-result-1", "00ff");
        ProcessBootstrap received = ProcessBootstrap.Parse(sent.ToLine())!;
        Assert.Equal((sent.Name, sent.ParentName, sent.Daemon, sent.Method, sent.ResultAddress, sent.ResultKey),
            (received.Name, received.ParentName, received.Daemon, received.Method, received.ResultAddress, received.ResultKey));
        Assert.Equal(sent.TrustNames, received.TrustNames);
        Assert.Equal(sent.TrustLocations, received.TrustLocations);
        Assert.Equal(sent.Target, received.Target);
        ProcessBootstrap plain = ProcessBootstrap.Parse(new ProcessBootstrap("p", "m", false, "spawn", [], [], [], null, null).ToLine())!;
        Assert.Null(plain.ResultAddress);
        Assert.Empty(plain.Target);

        string line = sent.ToLine();
        byte[] bytes = Convert.FromBase64String(line);
        Assert.Null(ProcessBootstrap.Parse(null));
        Assert.Null(ProcessBootstrap.Parse("  "));
        Assert.Null(ProcessBootstrap.Parse("not base64!"));
        Assert.Null(ProcessBootstrap.Parse(Convert.ToBase64String(bytes[..^3]))); // cut short
        Assert.Null(ProcessBootstrap.Parse(Convert.ToBase64String([.. bytes, 0]))); // a byte too many
        bytes[0] = 99;
        Assert.Null(ProcessBootstrap.Parse(Convert.ToBase64String(bytes))); // another version
    }

    [Fact]
    public void Method_IsFoundByToken_InAnAllowedAssemblyOnly()
    {
        System.Reflection.MethodInfo method = typeof(ProcessBootstrapTests).GetMethod(nameof(Twice))!;
        var function = new TaskFunction(typeof(ProcessBootstrapTests).AssemblyQualifiedName!, method.MetadataToken, null);
        Assert.Equal(method, function.Resolve([typeof(ProcessBootstrapTests).Assembly]));
        Assert.Throws<InvalidOperationException>(() => function.Resolve([typeof(TaskFunction).Assembly])); // its assembly is not allowed
        var generic = new TaskFunction(typeof(Holder<int>).AssemblyQualifiedName!, typeof(Holder<int>).GetMethod(nameof(Holder<int>.Get))!.MetadataToken, null);
        Assert.Equal(typeof(Holder<int>), generic.Resolve([typeof(ProcessBootstrapTests).Assembly]).DeclaringType); // by its name, generic arguments and all
        var noSuchMethod = new TaskFunction(typeof(ProcessBootstrapTests).AssemblyQualifiedName!, 0x06FFFFFF, null); // another build's token
        Assert.Contains("same build", Assert.Throws<InvalidOperationException>(() => noSuchMethod.Resolve([typeof(ProcessBootstrapTests).Assembly])).Message, StringComparison.Ordinal);
    }

    public static int Twice(int x) => 2 * x;

    public sealed class Holder<T>
    {
        public T? Get() => default;
    }
}
