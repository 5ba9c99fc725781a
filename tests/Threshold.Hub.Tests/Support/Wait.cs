namespace Threshold.Hub.Tests.Support;

internal static class Wait
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(20);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Default);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Asserts the condition stays false for a short while.</summary>
    public static async Task NeverAsync(Func<bool> condition, string what, TimeSpan? during = null)
    {
        var deadline = DateTime.UtcNow + (during ?? TimeSpan.FromMilliseconds(400));
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(condition(), "Unexpected: " + what);
            await Task.Delay(20);
        }
    }
}
