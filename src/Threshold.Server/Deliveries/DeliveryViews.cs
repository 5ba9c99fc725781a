using Threshold.Domain.Deliveries;

namespace Threshold.Server.Deliveries;

internal sealed record WindowBody(string? Start, string? End);

internal sealed record CreateDeliveryRequest(string? HomeAccessId, string? ExternalRef, string[]? Packages, WindowBody? Window);

internal sealed record AssignCourierRequest(Guid? CourierId);

internal sealed record WindowView(DateTimeOffset Start, DateTimeOffset End);

internal sealed record DeliveryView(
    Guid Id, Guid HomeId, string ExternalRef, IReadOnlyList<string> Packages, WindowView Window,
    Guid? CourierId, string Status, string? FailureReason, DateTimeOffset CreatedAt, DateTimeOffset? ArrivedAt,
    DateTimeOffset? EntryUsedAt, DateTimeOffset? CompletedAt)
{
    public static DeliveryView From(Delivery d) => new(
        d.Id, d.HomeId, d.ExternalRef, d.Packages, new WindowView(d.WindowStart, d.WindowEnd), d.CourierId,
        StatusName(d.Status), d.FailureReason, d.CreatedAt, d.ArrivedAt, d.EntryUsedAt, d.CompletedAt);

    /// <summary>snake_case on the wire: scheduled, arrived, unlocked, door_opened, ...</summary>
    public static string StatusName(DeliveryStatus s) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString());
}
