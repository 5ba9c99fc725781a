using Microsoft.Extensions.Hosting;

namespace Threshold.Testing;

/// <summary>
/// A host lifetime that does nothing: whoever runs the host stops it. A server embedded in a test or bench process
/// must not take over Ctrl+C (a bench under load should end, not stop its server and carry on), as the hub's
/// <c>HubHost</c> does for the same reason.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
