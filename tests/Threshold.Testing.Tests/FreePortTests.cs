namespace Threshold.Testing.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void Take_EightPorts_AllDistinct()
    {
        var ports = FreePort.Take(8);

        Assert.Equal(8, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1, 65535));
    }
}
