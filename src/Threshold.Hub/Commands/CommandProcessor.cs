using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Credentials;
using Threshold.Hub.Locks;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Hub.Storage;
using Threshold.Protocol;
using Threshold.Protocol.Commands;
using Threshold.Protocol.Keys;
using Threshold.Protocol.Sealing;

namespace Threshold.Hub.Commands;

/// <summary>
/// Executes server commands (docs/hub-protocol.md "Commands"): verify with the pinned keys only, record the jti
/// durably, check the device, actuate, wait for the lock's confirmation, reply, and record the outcome as an event.
/// </summary>
internal sealed partial class CommandProcessor : BackgroundService
{
    public const string Replayed = "replayed";
    public const string UnknownDevice = "unknown_device";
    public const string DeviceOffline = "device_offline";
    public const string ActuationFailed = "actuation_failed";
    public const string Jammed = "jammed";
    public const string StaleVersion = "stale_version";
    public const string LockoutActive = "lockout_active";
    public const string SyncCredentials = "sync_credentials";

    private readonly ServerLink link;
    private readonly LockController controller;
    private readonly JtiStore jtis;
    private readonly EventOutbox outbox;
    private readonly CredentialStore credentials;
    private readonly SlotManager slots;
    private readonly HubRuntime runtime;
    private readonly TimeProvider time;
    private readonly ILogger<CommandProcessor> logger;
    private readonly TimeSpan skew;
    private readonly List<ECDsa> keys = [];
    private readonly CommandVerifier verifier;
    private readonly CommandVerifier? alternateVerifier;

    public CommandProcessor(
        ServerLink link, LockController controller, JtiStore jtis, EventOutbox outbox, CredentialStore credentials, SlotManager slots,
        HubRuntime runtime, TimeProvider time, IOptions<HubSettings> options, ILogger<CommandProcessor> logger)
    {
        this.credentials = credentials;
        this.slots = slots;
        this.link = link;
        this.controller = controller;
        this.jtis = jtis;
        this.outbox = outbox;
        this.runtime = runtime;
        this.time = time;
        this.logger = logger;
        skew = TimeSpan.FromSeconds(options.Value.ClockSkewSeconds);
        var trusted = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var key in runtime.Identity.ServerKeys)
        {
            var imported = KeyEncoding.ImportEcdsaPublicSpki(key.Spki);
            keys.Add(imported);
            trusted[key.Kid] = imported;
        }

        var identity = runtime.Identity;
        verifier = new CommandVerifier(trusted, identity.Issuer, identity.HubId, time, skew);
        // The same hub id in the other GUID spelling ("D" vs "N") names the same audience.
        if (Guid.TryParse(identity.HubId, out var hubGuid))
        {
            var other = identity.HubId.Contains('-', StringComparison.Ordinal) ? hubGuid.ToString("N") : hubGuid.ToString("D");
            alternateVerifier = new CommandVerifier(trusted, identity.Issuer, other, time, skew);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var payload in link.Commands.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await HandleAsync(payload, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var key in keys)
            {
                key.Dispose();
            }
        }
    }

    internal async Task HandleAsync(byte[] payload, CancellationToken ct)
    {
        if (payload.Length > ServerLink.MaxCommandPayloadBytes)
        {
            LogDropped(logger, "oversized payload");
            return;
        }

        if (ReadJws(payload) is not { } jws)
        {
            LogDropped(logger, "not {\"jws\":\"...\"}");
            return;
        }

        var verification = verifier.Verify(jws);
        if (!verification.Ok && verification.Error == ProtocolErrors.WrongAudience && alternateVerifier is not null)
        {
            verification = alternateVerifier.Verify(jws);
        }

        if (!verification.Ok || verification.Claims is not { } claims)
        {
            await RefuseAsync(PeekJti(jws), verification.Error ?? ProtocolErrors.Malformed, ct);
            return;
        }

        // Durable before anything moves: a jti is executed at most once, whatever restarts happen.
        if (!jtis.TryRecord(claims.Jti, claims.ExpiresAt + skew, time.GetUtcNow()))
        {
            await RefuseAsync(claims.Jti, Replayed, ct);
            return;
        }

        if (runtime.LockId is not { } lockId || !SameId(claims.DeviceId, lockId))
        {
            await RefuseAsync(claims.Jti, UnknownDevice, ct);
            return;
        }

        bool locked;
        switch (claims.Command)
        {
            case "unlock":
                locked = false;
                break;
            case "lock":
                locked = true;
                break;
            case SyncCredentials:
                await SyncAsync(claims, lockId, ct);
                return;
            default:
                await RefuseAsync(claims.Jti, ProtocolErrors.Malformed, ct);
                return;
        }

        // Lockout suspends every non-resident access, on the hub too (DESIGN §4).
        if (!locked && claims.Args.TryGetValue("reference", out var access)
            && (access.StartsWith("delivery:", StringComparison.Ordinal) || access.StartsWith("grant:", StringComparison.Ordinal))
            && slots.IsLockoutActive())
        {
            await RefuseAsync(claims.Jti, LockoutActive, ct);
            return;
        }

        var result = await controller.ActuateAsync(locked, ct);
        if (result != ActuationResult.Ok)
        {
            await RefuseAsync(claims.Jti, result switch
            {
                ActuationResult.Offline => DeviceOffline,
                ActuationResult.Jammed => Jammed,
                _ => ActuationFailed,
            }, ct);
            return;
        }

        claims.Args.TryGetValue("reference", out var reference);
        outbox.Append("command_executed", new JsonObject
        {
            ["jti"] = claims.Jti,
            ["cmd"] = claims.Command,
            ["lockId"] = lockId,
            ["reference"] = reference,
        });
        await ReplyAsync(new JsonObject { ["jti"] = claims.Jti, ["ok"] = true }, ct);
    }

    private async Task SyncAsync(CommandClaims claims, string lockId, CancellationToken ct)
    {
        var error = StoreCredentials(claims.Args, out var version);
        if (error is not null)
        {
            await RefuseAsync(claims.Jti, error, ct);
            return;
        }

        slots.CredentialsChanged();
        outbox.Append("command_executed", new JsonObject
        {
            ["jti"] = claims.Jti,
            ["cmd"] = claims.Command,
            ["lockId"] = lockId,
            ["reference"] = null,
            ["version"] = version,
        });
        await ReplyAsync(new JsonObject { ["jti"] = claims.Jti, ["ok"] = true }, ct);
    }

    /// <summary>Opens, checks and durably stores a credential set; null on success, else the refusal code.</summary>
    private string? StoreCredentials(IReadOnlyDictionary<string, string> args, out long version)
    {
        version = 0;
        if (!args.TryGetValue("version", out var versionText)
            || !long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version < 1
            || !args.TryGetValue("set", out var sealedSet))
        {
            LogBadSet(logger, "args are not {version, set}");
            return ProtocolErrors.Malformed;
        }

        byte[] plaintext;
        try
        {
            var ad = Encoding.UTF8.GetBytes("thr-credentials/" + runtime.Identity.HubId + "/" + versionText);
            plaintext = Sealer.Open(runtime.SealingKey, sealedSet, ad);
        }
        catch (ProtocolException)
        {
            return ProtocolErrors.SealInvalid;
        }

        try
        {
            var set = CredentialSet.Parse(plaintext, out var why);
            if (set is null || set.Version != version)
            {
                LogBadSet(logger, why ?? "version differs from args.version");
                return ProtocolErrors.Malformed;
            }

            if (credentials.TryStore(set, plaintext) == CredentialStore.StoreResult.Stale)
            {
                return StaleVersion;
            }

            LogStored(logger, set.Version, set.Credentials.Count);
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private async Task RefuseAsync(string? jti, string error, CancellationToken ct)
    {
        LogRefused(logger, jti ?? "(none)", error);
        outbox.Append("command_refused", new JsonObject { ["jti"] = jti, ["error"] = error });
        if (jti is not null)
        {
            await ReplyAsync(new JsonObject { ["jti"] = jti, ["ok"] = false, ["error"] = error }, ct);
        }
    }

    private async Task ReplyAsync(JsonObject reply, CancellationToken ct)
    {
        try
        {
            await link.PublishAsync("reply", reply.ToJsonString(), retain: false, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The event is durable; the server's request times out and it learns the outcome from the outbox.
            LogReplyFailed(logger, e.Message);
        }
    }

    private static bool SameId(string a, string b) =>
        string.Equals(a, b, StringComparison.Ordinal)
        || (Guid.TryParse(a, out var x) && Guid.TryParse(b, out var y) && x == y);

    private static string? ReadJws(byte[] payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 8 });
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("jws", out var jws)
                && jws.ValueKind == JsonValueKind.String
                ? jws.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Best-effort jti of a refused (unverified) token, only to address the reply.</summary>
    private static string? PeekJti(string jws)
    {
        try
        {
            var parts = jws.Split('.');
            if (parts.Length < 2 || parts[1].Length > ServerLink.MaxCommandPayloadBytes)
            {
                return null;
            }

            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("jti", out var jti)
                && jti.ValueKind == JsonValueKind.String
                && jti.GetString() is { Length: > 0 and <= 128 } value
                ? value
                : null;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped command: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused command {Jti}: {Error}")]
    private static partial void LogRefused(ILogger logger, string jti, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish a reply: {Error}")]
    private static partial void LogReplyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Credential set refused as malformed: {Reason}")]
    private static partial void LogBadSet(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Credential set v{Version} stored ({Count} credentials)")]
    private static partial void LogStored(ILogger logger, long version, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command handling failed")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
