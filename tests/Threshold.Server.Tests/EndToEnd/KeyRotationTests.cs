using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Hub.Storage;
using Threshold.Protocol.Access;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Server.Cli;
using Threshold.Server.Data;
using Threshold.Server.Hubs;
using Threshold.Server.Tests.Support;
using Threshold.Simulator;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// Command-key rotation over real MQTT (docs/hub-protocol.md "Key rotation"): the operator's <c>key rotate</c>, the
/// hub accepting the new key only from a command signed by the key it trusts, and the server switching that hub's
/// commands once it confirmed. Attacks stand where <see cref="CommandProbe"/> does, on the server's side of the broker.
/// </summary>
public sealed class KeyRotationTests : IAsyncLifetime
{
    private Stack stack = null!;
    private CommandProbe probe = null!;
    private Guid hubId;
    private ECDsa oldKey = null!;
    private string oldKid = "";

    public async Task InitializeAsync()
    {
        stack = await Stack.StartAsync();
        hubId = HubDataDirectory.LoadIdentity(stack.HubDir).HubId;
        probe = await CommandProbe.ConnectAsync(stack.Server.Services, hubId);
        // The key every hub pinned so far, as the server keeps it on disk.
        oldKey = ECDsa.Create();
        oldKey.ImportFromPem(await File.ReadAllTextAsync(Path.Combine(stack.Server.DataDir, "keys", "command-signing.pem")));
        oldKid = KeyEncoding.KeyId(oldKey);
    }

    public async Task DisposeAsync()
    {
        oldKey.Dispose();
        await probe.DisposeAsync();
        await stack.DisposeAsync();
    }

    [Fact]
    public async Task Rotate_HubAccepts_NewKeyOpensOldKeyRefusedAlsoAfterHubRestart()
    {
        var newKid = await RotateAsync();

        Assert.NotEqual(oldKid, newKid);
        Assert.Equal(newKid, stack.Server.Services.GetRequiredService<ServerSigningKey>().KeyId);
        await UntilTrustedAsync(newKid);
        Assert.Equal([newKid], TrustedByHub());
        // No hub trusts the old key any more: the server keeps no copy of it.
        await Eventually.UntilAsync(() => !File.Exists(Path.Combine(stack.Server.DataDir, "keys", "command-signing-retired", oldKid + ".pem")), "old key deleted");
        Assert.Contains(await stack.AuditAsync(), e => e.Type == "hub.key_rotated" && e.Text("kid") == newKid && e.Text("previousKid") == oldKid);

        await UnlockWithOldKeyRefusedAsync();
        await UnlockThroughTheApiAsync(newKid);

        await stack.Devices.ManualLockAsync();
        await Eventually.UntilAsync(() => stack.Devices.GetState().Bolt == BoltPosition.Locked, "locked by hand", stack.Changes);
        await stack.StopHubAsync();
        await stack.StartHubAsync();
        Assert.Equal([newKid], TrustedByHub());
        await UnlockWithOldKeyRefusedAsync();
        await UnlockThroughTheApiAsync(newKid);
    }

    [Fact]
    public async Task RotateKey_SignedByAnyButTheCurrentKey_RefusedAndReported()
    {
        var server = stack.Server.Services.GetRequiredService<ServerSigningKey>();
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var attackerSigner = new CommandSigner(attacker, KeyEncoding.KeyId(attacker), ServerSigningKey.Issuer, stack.Server.Clock);
        var claimingServerKid = new CommandSigner(attacker, oldKid, ServerSigningKey.Issuer, stack.Server.Clock);
        var toAttacker = RotateTo(attacker);

        await RefusedAsync(attackerSigner.Sign(hubId.ToString(), Lock, CommandNames.RotateKey, toAttacker), "unknown_kid");
        await RefusedAsync(claimingServerKid.Sign(hubId.ToString(), Lock, CommandNames.RotateKey, toAttacker), "bad_signature");
        // The server's own key, addressed to another hub.
        await RefusedAsync(server.Signer(stack.Server.Clock).Sign(Guid.NewGuid().ToString(), Lock, CommandNames.RotateKey, toAttacker), "wrong_audience");
        Assert.Equal([oldKid], TrustedByHub());

        var newKid = await RotateAsync();
        await UntilTrustedAsync(newKid);
        // The genuine rotation, seen on the wire and sent again: its key is no longer trusted.
        var genuine = await AcceptedOnTheWireAsync(CommandNames.RotateKey);
        await probe.SendCommandAsync(genuine);
        Assert.Equal("unknown_kid", (await probe.ReplyAsync(CommandProbe.Claim(genuine, "jti"), index: 1)).GetProperty("error").GetString());
        // A rotation signed with the current key, carried out once (to the key trusted already), then replayed.
        var current = server.Signer(stack.Server.Clock).Sign(hubId.ToString(), Lock, CommandNames.RotateKey,
            new RotateKeyArgs(server.KeyId, server.PublicSpki).ToArgs());
        await probe.SendCommandAsync(current);
        Assert.True((await probe.ReplyAsync(CommandProbe.Claim(current, "jti"))).GetProperty("ok").GetBoolean());
        await RefusedAsync(current, "replayed", index: 1);
        // The key the server signed with before the rotation, after the hub dropped it.
        var oldSigner = new CommandSigner(oldKey, oldKid, ServerSigningKey.Issuer, stack.Server.Clock);
        await RefusedAsync(oldSigner.Sign(hubId.ToString(), Lock, CommandNames.RotateKey, toAttacker), "unknown_kid");

        Assert.Equal([newKid], TrustedByHub());
        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Count(e => e.Type == "hub.event" && e.Text("type") == "command_refused") >= 6,
            "6 command_refused events", stack.Changes);
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
        await UnlockThroughTheApiAsync(newKid);
    }

    [Fact]
    public async Task Rotate_HubOffline_ReceivesTheKeyWhenBack()
    {
        await stack.StopHubAsync();

        var newKid = await RotateAsync();

        var (trusted, pending) = await HubKeysAsync();
        Assert.Equal(oldKid, trusted);
        Assert.Equal(newKid, pending);
        Assert.Equal([oldKid], TrustedByHub());
        await stack.StartHubAsync();
        await UntilTrustedAsync(newKid);
        Assert.Equal([newKid], TrustedByHub());
        await UnlockThroughTheApiAsync(newKid);
    }

    [Fact]
    public async Task Rotate_UntilTheHubAccepts_ItsCommandsAreSignedWithTheOldKey()
    {
        // The hub cannot store the key (its atomic write's temporary file is blocked): it refuses, keeping its old key.
        var blocked = Path.Combine(stack.HubDir, HubDataDirectory.IdentityFile + ".tmp");
        Directory.CreateDirectory(blocked);

        var newKid = await RotateAsync();

        await Eventually.UntilAsync(async () => (await stack.AuditAsync()).Any(e => e.Type == "hub.event" && e.Text("error") == "key_not_stored"),
            "the hub's refusal", stack.Changes);
        Assert.Equal((oldKid, newKid), await HubKeysAsync());
        Assert.Equal([oldKid], TrustedByHub());
        await UnlockThroughTheApiAsync(oldKid);

        await stack.Devices.ManualLockAsync();
        await Eventually.UntilAsync(() => stack.Devices.GetState().Bolt == BoltPosition.Locked, "locked by hand", stack.Changes);
        Directory.Delete(blocked);
        await stack.StopHubAsync();
        await stack.StartHubAsync();
        await UntilTrustedAsync(newKid);
        await UnlockThroughTheApiAsync(newKid);
    }

    private string Lock => stack.World.LockId.ToString();

    private static IReadOnlyDictionary<string, string> RotateTo(ECDsa key)
    {
        var spki = KeyEncoding.ExportPublicSpki(key);
        return new RotateKeyArgs(KeyEncoding.KeyId(spki), spki).ToArgs();
    }

    /// <summary>The operator's <c>key rotate</c>, against this server.</summary>
    private async Task<string> RotateAsync()
    {
        using var output = new StringWriter();
        var exit = await OperatorCommands.RunAsync(["key", "rotate"], () => stack.Server.Services, output);
        Assert.True(exit == 0, "key rotate failed: " + output);
        const string label = "new command key:";
        return output.ToString().Split('\n', StringSplitOptions.TrimEntries).Single(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();
    }

    private async Task<(string Trusted, string? Pending)> HubKeysAsync()
    {
        await using var scope = stack.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var hub = await db.Hubs.AsNoTracking().SingleAsync(h => h.Id == hubId);
        return (hub.TrustedKid, hub.PendingKid);
    }

    private Task UntilTrustedAsync(string kid) =>
        Eventually.UntilAsync(async () => await HubKeysAsync() == (kid, null), $"hub confirmed key {kid}", stack.Changes);

    /// <summary>The kids the hub trusts, as its identity.json holds them.</summary>
    private string[] TrustedByHub() => [.. HubDataDirectory.LoadIdentity(stack.HubDir).ServerKeys.Select(k => k.Kid)];

    private async Task RefusedAsync(string jws, string error, int index = 0)
    {
        await probe.SendCommandAsync(jws);
        Assert.Equal(error, (await probe.ReplyAsync(CommandProbe.Claim(jws, "jti"), index)).GetProperty("error").GetString());
    }

    private async Task UnlockWithOldKeyRefusedAsync()
    {
        var oldSigner = new CommandSigner(oldKey, oldKid, ServerSigningKey.Issuer, stack.Server.Clock);
        var args = new DoorCommandArgs(AccessReference.Delivery(Guid.NewGuid())).ToArgs();
        await RefusedAsync(oldSigner.Sign(hubId.ToString(), Lock, CommandNames.Unlock, args), "unknown_kid");
        Assert.Equal(BoltPosition.Locked, stack.Devices.GetState().Bolt);
    }

    /// <summary>A courier's entry opens the door, and its command went out signed with <paramref name="kid"/>.</summary>
    private async Task UnlockThroughTheApiAsync(string kid)
    {
        var (id, _) = await stack.ArrivedDeliveryAsync();
        var seen = probe.Seen.Count;
        await (await stack.Server.UnlockAsync(stack.World.CourierToken, id)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(BoltPosition.Unlocked, stack.Devices.GetState().Bolt);
        await Eventually.UntilAsync(() => probe.Seen.Skip(seen).Any(IsUnlock), "the unlock on the wire", probe.SeenOne);
        Assert.Equal(kid, HeaderKid(probe.Seen.Skip(seen).First(IsUnlock).Body.GetProperty("jws").GetString()!));
    }

    /// <summary>A command of this kind the hub accepted (the probe also sees the ones it sent itself).</summary>
    private async Task<string> AcceptedOnTheWireAsync(string command)
    {
        string? Find()
        {
            var accepted = probe.Seen.Where(s => s.Leaf == "reply" && s.Body.GetProperty("ok").GetBoolean())
                .Select(s => s.Body.GetProperty("jti").GetString()).ToHashSet();
            return probe.Seen.Where(s => s.Leaf == "cmd").Select(s => s.Body.GetProperty("jws").GetString()!)
                .FirstOrDefault(jws => CommandProbe.Claim(jws, "cmd") == command && accepted.Contains(CommandProbe.Claim(jws, "jti")));
        }

        await Eventually.UntilAsync(() => Find() is not null, $"an accepted {command} on the wire", probe.SeenOne);
        return Find()!;
    }

    private static bool IsUnlock((string Leaf, JsonElement Body) seen) =>
        seen.Leaf == "cmd" && CommandProbe.Claim(seen.Body.GetProperty("jws").GetString()!, "cmd") == CommandNames.Unlock;

    private static string HeaderKid(string jws)
    {
        var part = jws.Split('.')[0].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(part))).RootElement.GetProperty("kid").GetString()!;
    }
}
