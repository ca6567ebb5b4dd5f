namespace Actors.Samples.Processes;

/// <summary>
/// The seed tutorials' <c>multiprocessing.Process</c> examples, one method each, printing what the Python version
/// prints. The targets are static methods: they travel to the child process by name.
/// </summary>
internal static class Examples
{
    /// <summary>Every example by its name, in the order the tutorials show them.</summary>
    public static readonly (string Name, Action Run)[] All =
    [
        ("greet", Greet), ("args", Arguments), ("several", Several), ("say-hello", SayHello), ("squares", Squares),
        ("workers", Workers), ("pids", Pids), ("double", Double), ("spawn-context", SpawnContext), ("main", MainStructure),
        ("exercise-1", Exercise1), ("exercise-2", Exercise2),
    ];

    // "Creating a Simple Process"
    private static void Greet()
    {
        var p = new ChildProcess(SayGreeting);
        p.Start();
        p.Join();
    }

    private static void SayGreeting() => Console.WriteLine("Hello from a process!");

    // "Processes with Arguments"
    private static void Arguments()
    {
        var p = new ChildProcess(Show, ["Running..."]);
        p.Start();
        p.Join();
    }

    private static void Show(string msg) => Console.WriteLine($"Message: {msg}");

    // "Running Multiple Processes"
    private static void Several()
    {
        var processes = new List<ChildProcess>();
        for (int i = 0; i < 5; i++)
        {
            var p = new ChildProcess(Task, [i]);
            processes.Add(p);
            p.Start();
        }
        processes.ForEach(p => p.Join());
    }

    private static void Task(int n) => Console.WriteLine($"Task number: {n}");

    // "Running Multiple Processes" with names
    private static void SayHello()
    {
        var processes = new List<ChildProcess>();
        foreach (string name in new[] { "Lucia", "Cherish", "Stephen", "Mary" })
        {
            var p = new ChildProcess(Hello, [name]);
            p.Start();
            processes.Add(p);
        }
        processes.ForEach(p => p.Join());
    }

    private static void Hello(string name) => Console.WriteLine($"Hello from {name}!");

    // "Passing More Data to Processes"
    private static void Squares()
    {
        var processes = new List<ChildProcess>();
        foreach (int number in new[] { 1, 2, 3, 4 })
        {
            var p = new ChildProcess(SquareNumber, [number]);
            p.Start();
            processes.Add(p);
        }
        processes.ForEach(p => p.Join());
    }

    private static void SquareNumber(int num)
    {
        Console.WriteLine($"Squaring {num}");
        Thread.Sleep(1000);
        Console.WriteLine($"{num} squared is {num * num}");
    }

    // The worker(name, delay) example
    private static void Workers()
    {
        var p1 = new ChildProcess(Worker, ["Process-1", 2]);
        var p2 = new ChildProcess(Worker, ["Process-2", 3]);
        p1.Start(); // run in parallel
        p2.Start();
        p1.Join(); // wait for p1 to finish
        p2.Join();
        Console.WriteLine("All processes completed");
    }

    private static void Worker(string name, int delay)
    {
        Console.WriteLine($"[{name}] starting work");
        Thread.Sleep(TimeSpan.FromSeconds(delay));
        Console.WriteLine($"[{name}] finished after {delay} seconds");
    }

    // The CPU-bound worker with pids and exit codes
    private static void Pids()
    {
        var p1 = new ChildProcess(CpuWorker, ["P1", 10_000_000]);
        var p2 = new ChildProcess(CpuWorker, ["P2", 10_000_000]);
        p1.Start();
        p2.Start();
        p1.Join();
        p2.Join();
        Console.WriteLine($"Main PID: {Environment.ProcessId}");
        Console.WriteLine($"p1 exit code: {p1.ExitCode}");
        Console.WriteLine($"p2 exit code: {p2.ExitCode}");
    }

    private static long CpuWorker(string name, int n)
    {
        int pid = Environment.ProcessId;
        Console.WriteLine($"[{name}] PID={pid} start");
        long result = 0;
        for (int i = 0; i < n; i++)
        {
            result += i;
        }
        Console.WriteLine($"[{name}] PID={pid} done");
        return result;
    }

    // "Getting Return Values from Processes": CPython passes a Queue; until Actors has one, a typed process returns it.
    private static void Double()
    {
        var p = new ChildProcess<int>(DoubleNumber, [10]);
        p.Start();
        p.Join();
        Console.WriteLine($"Doubled number: {p.Result}");
    }

    private static int DoubleNumber(int n) => n * 2;

    // "Spawning vs Forking": the start method chosen explicitly
    private static void SpawnContext()
    {
        ProcessContext ctx = Multiprocessing.GetContext("spawn");
        ChildProcess p = ctx.Process(Hello, ["Samantha"]);
        p.Start();
        p.Join();
    }

    // "Organizing Code with main()"
    private static void MainStructure()
    {
        var p = new ChildProcess(Greetings, ["George"]);
        p.Start();
        p.Join();
    }

    private static void Greetings(string name) => Console.WriteLine($"Greetings from {name}!");

    // Practice exercise 1: a process that prints numbers from 1 to 5
    private static void Exercise1()
    {
        var p = new ChildProcess(CountToFive);
        p.Start();
        p.Join();
    }

    private static void CountToFive()
    {
        for (int i = 1; i < 6; i++)
        {
            Console.WriteLine(i);
        }
    }

    // Practice exercise 2: three processes that each print a unique id
    private static void Exercise2()
    {
        for (int i = 0; i < 3; i++)
        {
            var p = new ChildProcess(Display, [i]);
            p.Start();
            p.Join();
        }
    }

    private static void Display(int id) => Console.WriteLine($"Process ID: {id}");
}
