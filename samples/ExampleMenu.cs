namespace Actors.Samples;

/// <summary>
/// The command line the tutorial samples share (compiled into each of them): run the example named by the one
/// argument, or every example in order with a header line before each; anything else is an error with exit code 2.
/// </summary>
internal static class ExampleMenu
{
    public static int Run(string[] args, (string Name, Action Run)[] examples)
    {
        if (args.Length > 1 || (args.Length == 1 && !examples.Any(e => e.Name == args[0])))
        {
            Console.Error.WriteLine($"error: name one example, or none for all: {string.Join(", ", examples.Select(e => e.Name))}");
            return 2;
        }
        foreach ((string name, Action run) in examples.Where(e => args.Length == 0 || e.Name == args[0]))
        {
            if (args.Length == 0)
            {
                Console.WriteLine($"--- {name}");
            }
            run();
        }
        return 0;
    }
}
