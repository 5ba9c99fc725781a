using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Threshold.Domain.Deliveries;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Carriers;

/// <summary>
/// A carrier policy as the API writes it: <c>{"anyTime":true}</c>, or <c>days</c> with local <c>from</c>/<c>to</c>
/// (<c>HH:mm</c>; <c>to</c> earlier than <c>from</c> runs past midnight; <c>"24:00"</c>, or <c>"23:59"</c> as people
/// write it, is the end of the day).
/// </summary>
internal sealed record PolicyBody(
    string[]? Days, string? From, string? To, EntryMethod? EntryMethod, bool? CameraRequired, bool? RequireApproval, bool? AnyTime = null,
    int? ApprovalTimeout = null);

/// <param name="ApprovalTimeout">Set when a resident must let each courier in: how long the household is asked.</param>
internal sealed record ParsedPolicy(DeliveryHours Hours, EntryMethod EntryMethod, bool CameraRequired, TimeSpan? ApprovalTimeout);

internal static class CarrierPolicy
{
    public static readonly TimeSpan DefaultApprovalTimeout = TimeSpan.FromSeconds(60);
    private const int MinApprovalSeconds = 10;
    private const int MaxApprovalSeconds = 600;
    private const string EndOfDay = "24:00";

    public static (ParsedPolicy?, ProblemHttpResult?) Parse(PolicyBody p)
    {
        var method = p.EntryMethod ?? EntryMethod.Remote;
        var camera = p.CameraRequired ?? true;
        TimeSpan? approval = null;
        if (p.RequireApproval == true)
        {
            // A keypad code opens the door without asking the server, so nobody could be asked first.
            if (method == EntryMethod.Keypad)
            {
                return Fail("invalid_policy", "Approval at the door needs remote entry; a keypad code cannot wait for the household.", "policy.requireApproval");
            }

            if (p.ApprovalTimeout is { } seconds && seconds is < MinApprovalSeconds or > MaxApprovalSeconds)
            {
                return Fail("invalid_policy", $"'policy.approvalTimeout' must be {MinApprovalSeconds}–{MaxApprovalSeconds} seconds.", "policy.approvalTimeout");
            }

            approval = p.ApprovalTimeout is { } s ? TimeSpan.FromSeconds(s) : DefaultApprovalTimeout;
        }
        else if (p.ApprovalTimeout is not null)
        {
            return Fail("invalid_policy", "'policy.approvalTimeout' goes with 'requireApproval': true.", "policy.approvalTimeout");
        }

        if (p.AnyTime == true)
        {
            return p.Days is null && p.From is null && p.To is null
                ? (new ParsedPolicy(DeliveryHours.AnyTime, method, camera, approval), null)
                : Fail("invalid_policy", "'policy.anyTime' stands alone: leave out 'days', 'from' and 'to'.", "policy.anyTime");
        }

        if (p.Days is null || p.Days.Length is 0 or > 7)
        {
            return Fail("invalid_policy", "'policy.days' must list 1–7 days, e.g. [\"monday\"], or set 'policy.anyTime'.", "policy.days");
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var d in p.Days)
        {
            if (!Enum.TryParse<DayOfWeek>(d, ignoreCase: true, out var day) || !Enum.IsDefined(day) || int.TryParse(d, out _))
            {
                return Fail("invalid_policy", $"'{d}' is not a day of the week.", "policy.days");
            }

            days.Add(day);
        }

        if (!TryTime(p.From, out var from))
        {
            return Fail("invalid_policy", "'policy.from' must be a local time HH:mm.", "policy.from");
        }

        // "24:00" and "23:59" close at midnight; stored as 00:00, which DeliveryHours reads as a whole day when from is 00:00.
        var endOfDay = p.To is EndOfDay or "23:59";
        var to = TimeOnly.MinValue;
        if (!endOfDay && (!TryTime(p.To, out to) || to == from))
        {
            return Fail("invalid_policy", "'policy.to' must be a local time HH:mm (or \"24:00\") different from 'from'.", "policy.to");
        }

        if (endOfDay && from == TimeOnly.MinValue && days.Count == 7)
        {
            return (new ParsedPolicy(DeliveryHours.AnyTime, method, camera, approval), null);
        }

        return (new ParsedPolicy(new DeliveryHours(days, from, to), method, camera, approval), null);

        static (ParsedPolicy?, ProblemHttpResult?) Fail(string code, string detail, string field) => (null, Problems.Invalid(code, detail, field));
    }

    public static string[] DayNames(DeliveryHours hours) =>
        hours.Days.OrderBy(d => d).Select(d => d.ToString().ToLowerInvariant()).ToArray();

    public static string FormatFrom(DeliveryHours hours) => hours.From.ToString("HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Midnight as an end is written "24:00", so "22:00–24:00" reads as what it is.</summary>
    public static string FormatTo(DeliveryHours hours) =>
        hours.To == TimeOnly.MinValue ? EndOfDay : hours.To.ToString("HH:mm", CultureInfo.InvariantCulture);

    private static bool TryTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}
