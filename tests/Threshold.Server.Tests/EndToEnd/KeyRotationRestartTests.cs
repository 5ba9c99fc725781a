using System.Net;
using Microsoft.EntityFrameworkCore;
using Threshold.Hub.Storage;
using Threshold.Server.Cli;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>A key rotation the hub has not confirmed outlives a server restart (see <see cref="KeyRotationTests"/>).</summary>
public sealed class KeyRotationRestartTests : IAsyncLifetime
{
    private Stack stack = null!;

    public async Task InitializeAsync() => stack = await Stack.StartAsync();

    public async Task DisposeAsync() => await stack.DisposeAsync();

    [Fact]
    public async Task Rotate_NotConfirmedBeforeAServerRestart_SentAgainAfterIt()
    {
        // The hub refuses the first time: its atomic write's temporary file is blocked.
        var blocked = Path.Combine(stack.HubDir, HubDataDirectory.IdentityFile + ".tmp");
        Directory.CreateDirectory(blocked);
        using var output = new StringWriter();
        Assert.Equal(0, await OperatorCommands.RunAsync(["key", "rotate"], () => stack.Server.Services, output));
        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.event" && e.Text("error") == "key_not_stored"),
            "the hub's refusal", stack.Changes);
        Directory.Delete(blocked);

        await stack.Server.RestartAsync();

        await Eventually.UntilAsync(async () =>
        {
            await using var scope = stack.Server.Services.CreateAsyncScope();
            var hub = await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().Hubs.AsNoTracking().SingleAsync();
            return hub.PendingKid is null && hub.TrustedKid == HubDataDirectory.LoadIdentity(stack.HubDir).ServerKeys.Single().Kid;
        }, "the hub confirmed the new key after the restart", timeout: TimeSpan.FromSeconds(30));
        var (id, _) = await stack.ArrivedDeliveryAsync();
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
    }
}
