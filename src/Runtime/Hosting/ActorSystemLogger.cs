using Akka.Event;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Actors.Runtime.Hosting;

/// <summary>
/// A worker's <see cref="ILogger"/> (for its lane): lines go to the worker's actor system's log, which is running
/// already and prints on the worker's console (the coordinator's), so a worker starts no second logging stack.
/// Building Microsoft.Extensions.Logging's console logger cost about 50 ms of CPU in every worker's start-up
/// (<c>ACTORS_STARTUP_TRACE=1</c>), on cores the other starting workers share.
/// </summary>
internal sealed class ActorSystemLogger(ILoggingAdapter log) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel switch
    {
        LogLevel.Trace or LogLevel.Debug => log.IsDebugEnabled,
        LogLevel.Information => log.IsInfoEnabled,
        LogLevel.Warning => log.IsWarningEnabled,
        LogLevel.Error or LogLevel.Critical => log.IsErrorEnabled,
        _ => false,
    };

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        string message = formatter(state, exception);
        // The message is already formatted: it goes in as an argument, never as a format string of Akka's.
        switch (logLevel)
        {
            case LogLevel.Error or LogLevel.Critical:
                log.Error(exception, "{0}", message);
                break;
            case LogLevel.Warning:
                log.Warning(exception, "{0}", message);
                break;
            case LogLevel.Information:
                log.Info(exception, "{0}", message);
                break;
            default:
                log.Debug(exception, "{0}", message);
                break;
        }
    }
}
