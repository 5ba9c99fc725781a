using System.Security.Cryptography;
using Threshold.Hub.Storage;
using Threshold.Hub.Tests.Support;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Xunit.Abstractions;

namespace Threshold.Hub.Tests;

/// <summary>
/// <c>rotate_key</c> on the hub (docs/hub-protocol.md "Key rotation"): a new server key only through a command signed by
/// the key it trusts, stored atomically, the old key dropped at once. The end-to-end checks with a real server are in
/// tests/Threshold.Server.Tests/EndToEnd/KeyRotationTests.cs.
/// </summary>
public sealed class KeyRotationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RotateKey_SignedByTrustedKey_OnlyTheNewKeyIsTrustedAlsoAfterRestart()
    {
        await using var h = await HubHarness.StartAsync(output);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var nextKid = KeyEncoding.KeyId(next);

        var reply = await RotateAsync(h, h.Signer, next);

        Assert.True(reply.Ok, reply.Error);
        Assert.Equal([nextKid], HubDataDirectory.LoadIdentity(h.DataDirectory).ServerKeys.Select(k => k.Kid));
        await h.Server.WaitEventAsync("command_executed", "cmd", "rotate_key");
        Assert.Equal("unknown_kid", (await h.CommandAsync("unlock")).Error);
        Assert.True((await SendAsync(h, NewSigner(h, next), "unlock")).Ok);

        await h.StopHubAsync();
        await h.StartHubAsync();
        Assert.True((await SendAsync(h, NewSigner(h, next), "lock")).Ok);
        Assert.Equal("unknown_kid", (await h.CommandAsync("unlock")).Error);
        Assert.Equal("locked", h.Zigbee.LockState);
    }

    [Fact]
    public async Task RotateKey_RepeatedWithTheNewKey_AcceptedWithoutChange()
    {
        // The hub stored the key but its reply was lost: the server asks again with the new key, and hears "done".
        await using var h = await HubHarness.StartAsync(output);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.True((await RotateAsync(h, h.Signer, next)).Ok);

        var again = await RotateAsync(h, NewSigner(h, next), next);

        Assert.True(again.Ok, again.Error);
        Assert.Equal([KeyEncoding.KeyId(next)], HubDataDirectory.LoadIdentity(h.DataDirectory).ServerKeys.Select(k => k.Kid));
    }

    [Fact]
    public async Task RotateKey_WhenTheIdentityCannotBeWritten_RefusedAndTheOldKeyStillWorks()
    {
        await using var h = await HubHarness.StartAsync(output);
        var before = await File.ReadAllTextAsync(Path.Combine(h.DataDirectory, HubDataDirectory.IdentityFile));
        // The atomic write's temporary file cannot be created (as a full disk or a crash before the rename would leave it).
        Directory.CreateDirectory(Path.Combine(h.DataDirectory, HubDataDirectory.IdentityFile + ".tmp"));
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var reply = await RotateAsync(h, h.Signer, next);

        Assert.Equal("key_not_stored", reply.Error);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(h.DataDirectory, HubDataDirectory.IdentityFile)));
        Assert.True((await h.CommandAsync("unlock")).Ok);
        Assert.Equal("unknown_kid", (await SendAsync(h, NewSigner(h, next), "lock")).Error);
        await h.Server.WaitEventAsync("command_refused", "error", "key_not_stored");
    }

    [Fact]
    public async Task RotateKey_ArgsNotOneKeyAndItsKid_RefusedAsMalformed()
    {
        await using var h = await HubHarness.StartAsync(output);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jti = Guid.NewGuid().ToString("N");

        await h.Server.SendCommandAsync(h.Sign(CommandNames.RotateKey, jti,
            args: new RotateKeyArgs(KeyEncoding.KeyId(other), KeyEncoding.ExportPublicSpki(next)).ToArgs()));

        Assert.Equal("malformed", (await h.Server.WaitReplyAsync(jti)).Error);
        Assert.Equal([h.Kid], HubDataDirectory.LoadIdentity(h.DataDirectory).ServerKeys.Select(k => k.Kid));
        Assert.True((await h.CommandAsync("unlock")).Ok);
    }

    private static CommandSigner NewSigner(HubHarness h, ECDsa key) => new(key, KeyEncoding.KeyId(key), HubHarness.Issuer, h.Time);

    private static async Task<Reply> RotateAsync(HubHarness h, CommandSigner signer, ECDsa next)
    {
        var spki = KeyEncoding.ExportPublicSpki(next);
        var jti = Guid.NewGuid().ToString("N");
        await h.Server.SendCommandAsync(signer.Sign(h.HubId, h.LockId, CommandNames.RotateKey, new RotateKeyArgs(KeyEncoding.KeyId(spki), spki).ToArgs(), null, jti));
        return await h.Server.WaitReplyAsync(jti);
    }

    private static async Task<Reply> SendAsync(HubHarness h, CommandSigner signer, string command)
    {
        var jti = Guid.NewGuid().ToString("N");
        await h.Server.SendCommandAsync(signer.Sign(h.HubId, h.LockId, command, new Dictionary<string, string> { ["reference"] = "delivery:42" }, null, jti));
        return await h.Server.WaitReplyAsync(jti);
    }
}
