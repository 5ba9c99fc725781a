using Microsoft.Extensions.Logging;

namespace Threshold.Testing.Tests;

public sealed class TestLogTests
{
    [Fact]
    public void Log_BelowMinimum_NotKept()
    {
        using var log = new TestLog(minimum: LogLevel.Warning);
        var logger = log.CreateLogger("Cat.Egory");

        logger.LogInformation("quiet");
        logger.LogError("loud");

        Assert.Equal(["Error Cat.Egory: loud"], log.Lines);
        Assert.Equal(1, log.Warnings);
    }
}
