using Microsoft.Extensions.Logging;

namespace Actors.Samples.SharedState;

/// <summary>One log record on its way from a worker to the process that writes the log file.</summary>
internal sealed record LogRecord(int Pid, string Level, string Category, string Message);

/// <summary>
/// The practice exercise "workers send their log records through a Queue to one process that writes a single log
/// file". The workers log with Microsoft.Extensions.Logging, as any .NET code does; their provider puts each record
/// on the queue; a listener process is the only writer of the file, so lines never interleave.
/// </summary>
internal static class LogThroughQueue
{
    public static void Run()
    {
        string path = Path.Combine(Path.GetTempPath(), $"actors-log-{Environment.ProcessId}.log");
        var records = new ProcessQueue<LogRecord?>();
        var listener = new ChildProcess(WriteLog, [records, path]);
        listener.Start();
        using (Pool pool = Pool.Start(new PoolOptions { Processes = 2 }))
        {
            pool.Map(item => Work(item, records), Enumerable.Range(1, 6), chunksize: 1);
        }
        records.Put(null); // the listener's stop signal, after every record
        listener.Join();
        string[] lines = File.ReadAllLines(path);
        File.Delete(path);
        Console.WriteLine($"log file: {lines.Length} lines, written by one process");
        foreach (string line in lines.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]).Order(StringComparer.Ordinal))
        {
            Console.WriteLine(line); // the pid of the worker is left out: it differs from run to run
        }
    }

    /// <summary>A pool task: it logs through the queue as it works.</summary>
    private static int Work(int item, ProcessQueue<LogRecord?> records)
    {
        using ILoggerFactory factory = LoggerFactory.Create(logging => logging.AddProvider(new QueueLoggerProvider(records)));
        ILogger logger = factory.CreateLogger("worker");
        logger.LogInformation("item {Item} squared is {Square}", item, item * item);
        if (item % 3 == 0)
        {
            logger.LogWarning("item {Item} is a multiple of 3", item);
        }
        return item * item;
    }

    /// <summary>The listener: the only process that writes the file.</summary>
    private static void WriteLog(ProcessQueue<LogRecord?> records, string path)
    {
        using var file = new StreamWriter(path);
        while (records.Get() is { } record)
        {
            file.WriteLine($"{record.Pid} {record.Level} {record.Category}: {record.Message}");
        }
    }

    /// <summary>The level as Python's logging names it.</summary>
    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEBUG",
    };

    private sealed class QueueLoggerProvider(ProcessQueue<LogRecord?> records) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(records, categoryName);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(ProcessQueue<LogRecord?> records, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                records.Put(new LogRecord(Environment.ProcessId, LevelName(logLevel), category, formatter(state, exception)));
            }
        }
    }
}
