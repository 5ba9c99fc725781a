using System.Collections.Concurrent;
using System.Globalization;
using Xunit.Abstractions;

namespace Threshold.Testing;

/// <summary>
/// A logging provider for tests and benches: every line at <paramref name="minimum"/> or above goes to the xunit
/// output (when given, so a failing test shows what the parts logged) and into <see cref="Lines"/> (so tests can
/// assert on logs, e.g. that no secret was ever written). <see cref="Written"/> fires after each line is kept.
/// </summary>
public sealed class TestLog(ITestOutputHelper? output = null, ConcurrentQueue<string>? lines = null, LogLevel minimum = LogLevel.Trace)
    : ILoggerProvider
{
    private int warnings;

    public ConcurrentQueue<string> Lines { get; } = lines ?? new();

    public Signal Written { get; } = new();

    /// <summary>Lines at <see cref="LogLevel.Warning"/> or above.</summary>
    public int Warnings => Volatile.Read(ref warnings);

    private LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        // Kept lines start with the level (tests filter on it); the output also shows when.
        var line = $"{level} {category}: {message}{(exception is null ? "" : " " + exception)}";
        if (level >= LogLevel.Warning)
        {
            Interlocked.Increment(ref warnings);
        }

        Lines.Enqueue(line);
        Written.Pulse();
        try
        {
            output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}"));
        }
        catch (InvalidOperationException)
        {
            // Logged after the test finished: xunit refuses output then.
        }
    }

    private sealed class Logger(TestLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Write(logLevel, category, formatter(state, exception), exception);
            }
        }
    }
}
