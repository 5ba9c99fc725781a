using System.Globalization;
using Microsoft.Extensions.Logging;
using Threshold.Protocol.Credentials;
using Threshold.Protocol.Events;

namespace Threshold.Hub.Keypad;

/// <summary>
/// The wrong-code cool-down (docs/hub-protocol.md): after <c>wrongCodeLimit</c> wrong codes within 10 minutes every slot
/// is disabled for <c>disableSeconds</c> and <c>alarm wrong_code_limit</c> is raised. Both the recent wrong codes and the
/// end of a cool-down are kept in hub.db, so a restart neither forgets nor extends them. Used by the keypad loop only.
/// </summary>
internal sealed partial class WrongCodeCooldown(KeypadStore store, KeypadEvents events, ILogger<WrongCodeCooldown> logger)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private const string DisabledUntilKey = "keypad_disabled_until";
    private const string WrongCodesKey = "keypad_wrong_codes";

    private readonly List<DateTimeOffset> wrongCodes = [];

    /// <summary>The end of the cool-down under way, if any (still set at its end until <see cref="EndIfOver"/> ran).</summary>
    public DateTimeOffset? DisabledUntil { get; private set; }

    public int RecentWrongCodes => wrongCodes.Count;

    public bool IsCoolingDownAt(DateTimeOffset now) => DisabledUntil is { } until && now < until;

    public void Load()
    {
        if (ParseMillis(store.GetValue(DisabledUntilKey)) is { } until)
        {
            DisabledUntil = until;
        }

        foreach (var part in (store.GetValue(WrongCodesKey) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (ParseMillis(part) is { } at)
            {
                wrongCodes.Add(at);
            }
        }
    }

    /// <summary>Ends a cool-down whose time is up (the keypad is enabled again).</summary>
    public void EndIfOver(DateTimeOffset now)
    {
        if (DisabledUntil is { } until && now >= until)
        {
            DisabledUntil = null;
            store.SetValue(DisabledUntilKey, null);
            events.Enabled(until);
        }
    }

    public void WrongCode(DateTimeOffset now, CredentialSetDocument? set)
    {
        if (IsCoolingDownAt(now))
        {
            return; // Already cooling down: every code is refused, none of them counts.
        }

        var policy = set?.Keypad ?? KeypadPolicyDocument.Default;
        var limit = policy.WrongCodeLimit;
        wrongCodes.Add(now);
        wrongCodes.RemoveAll(t => t <= now - Window);
        if (wrongCodes.Count >= limit)
        {
            var until = now + TimeSpan.FromSeconds(policy.DisableSeconds);
            DisabledUntil = until;
            wrongCodes.Clear();
            store.SetValue(DisabledUntilKey, Millis(until));
            LogKeypadDisabled(logger, limit, until);
            events.Disabled(until);
            events.Alarm(AlarmCodes.WrongCodeLimit);
        }

        store.SetValue(WrongCodesKey, string.Join(',', wrongCodes.Select(Millis)));
    }

    private static string Millis(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseMillis(string? text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Wrong-code limit ({Limit}) reached: keypad disabled until {Until}")]
    private static partial void LogKeypadDisabled(ILogger logger, int limit, DateTimeOffset until);
}
