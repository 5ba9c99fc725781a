using Threshold.Domain.Deliveries;

namespace Threshold.Server.Deliveries;

internal sealed record WindowBody(string? Start, string? End);

internal sealed record CreateDeliveryRequest(string? HomeAccessId, string? ExternalRef, string[]? Packages, WindowBody? Window);

internal sealed record AssignCourierRequest(Guid? CourierId);

internal sealed record WindowView(DateTimeOffset Start, DateTimeOffset End);

internal sealed record DeliveryView(
    Guid Id, Guid HomeId, string ExternalRef, IReadOnlyList<string> Packages, WindowView Window,
    Guid? CourierId, string Status, string? FailureReason, DateTimeOffset CreatedAt, DateTimeOffset? ArrivedAt,
    DateTimeOffset? EntryUsedAt, DateTimeOffset? CompletedAt, DateTimeOffset? ApprovalDeadline, DateTimeOffset? ApprovedAt)
{
    /// <param name="now">When given, a question to the household whose deadline passed reads <c>approval_timeout</c>.</param>
    public static DeliveryView From(Delivery d, DateTimeOffset? now = null) => new(
        d.Id, d.HomeId, d.ExternalRef, d.Packages, new WindowView(d.WindowStart, d.WindowEnd), d.CourierId,
        now is { } at && d.IsApprovalTimedOut(at) ? Threshold.Domain.Access.ReasonCodes.ApprovalTimeout : StatusName(d.Status),
        d.FailureReason, d.CreatedAt, d.ArrivedAt, d.EntryUsedAt, d.CompletedAt, d.ApprovalDeadline, d.ApprovedAt);

    /// <summary>snake_case on the wire: scheduled, arrived, awaiting_approval, unlocked, door_opened, ...</summary>
    public static string StatusName(DeliveryStatus s) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString());
}
