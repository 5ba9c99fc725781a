using System.Text.Json;
using Threshold.Protocol.Events;
using Threshold.Server.Audit;

namespace Threshold.Server.Notifications;

internal enum NotificationCategory
{
    Delivery,
    Entry,
    Alarm,
}

/// <summary>What a resident's phone shows: text and ids only, never an image or a code.</summary>
internal sealed record Notification(
    Guid HomeId, NotificationCategory Category, string Kind, string Title, string Body, Guid? DeliveryId, bool Urgent, TimeSpan TimeToLive);

/// <summary>
/// Which committed audit entries are worth a push, and what it says. Deliveries: scheduled (declinable), courier at the
/// door (or asking for approval), declined, failed, expired. Entries: started (watch live), done. Alarms: every hub alarm,
/// urgent with a short time to live — a stale "door forced" an hour late helps nobody.
/// </summary>
internal static class NotificationRules
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan AlarmLife = TimeSpan.FromMinutes(10);

    public static Notification? For(AuditEntry entry)
    {
        var home = entry.HomeId;
        // Parsed only in the arms that push: this runs inside the one writer for every audit entry it commits, and most
        // (decisions, commands, device events, hub batches) are never pushed.
        JsonElement Data() => JsonSerializer.Deserialize<JsonElement>(entry.Data);
        Guid? Delivery(JsonElement root) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty("deliveryId", out var d) && d.TryGetGuid(out var id) ? id : null;
        Notification Simple(NotificationCategory category, string kind, string title, string body, bool urgent, TimeSpan life) =>
            new(home, category, kind, title, body, Delivery(Data()), urgent, life);

        switch (entry.Type)
        {
            case AuditTypes.DeliveryScheduled:
                return Simple(NotificationCategory.Delivery, "delivery_scheduled", "Delivery scheduled",
                    "A carrier booked an in-home delivery. You can decline it.", false, Day);
            case AuditTypes.DeliveryApprovalRequested:
                return Simple(NotificationCategory.Delivery, "approval_requested", "Courier at the door",
                    "A courier is at your door and asks to come in. Approve or deny.", true, TimeSpan.FromMinutes(2));
            case AuditTypes.DeliveryDeclined:
                return Simple(NotificationCategory.Delivery, "delivery_declined", "Delivery declined",
                    "The delivery was declined; nobody will enter.", false, Day);
            case AuditTypes.DeliveryDenied:
                return Simple(NotificationCategory.Delivery, "delivery_denied", "Courier turned away",
                    "The courier at the door was denied entry.", false, Day);
            case AuditTypes.DeliveryFailed:
            {
                var root = Data();
                return new(home, NotificationCategory.Delivery, "delivery_failed", "Delivery failed",
                    $"The delivery failed ({Text(root, "reason")}).", Delivery(root), false, Day);
            }

            case AuditTypes.DeliveryStateChanged:
            {
                var root = Data();
                return StateChanged(home, Delivery(root), Text(root, "status"));
            }

            case AuditTypes.HubAlarm:
            {
                var root = Data();
                return new(home, NotificationCategory.Alarm, "alarm", "Alarm at your door", AlarmText(Text(root, "alarm")), Delivery(root), true, AlarmLife);
            }

            default:
                return null;
        }
    }

    private static Notification? StateChanged(Guid home, Guid? delivery, string status) => status switch
    {
        "arrived" => new(home, NotificationCategory.Delivery, "courier_arrived", "Courier at the door",
            "The courier for your delivery is at your door.", delivery, true, TimeSpan.FromMinutes(5)),
        "unlocked" => new(home, NotificationCategory.Entry, "entry_started", "Courier entering now",
            "Your door was unlocked for a delivery. Watch live.", delivery, true, TimeSpan.FromMinutes(5)),
        "completed" => new(home, NotificationCategory.Entry, "entry_done", "Delivery done",
            "The courier left and your door is locked.", delivery, false, Day),
        "expired" => new(home, NotificationCategory.Delivery, "delivery_expired", "Delivery missed",
            "The delivery window ended without an entry.", delivery, false, Day),
        _ => null,
    };

    private static string AlarmText(string code) => code switch
    {
        AlarmCodes.DoorForced => "Your door was opened while locked.",
        AlarmCodes.DoorHeldOpen => "Your door has been standing open.",
        AlarmCodes.LockJammed => "Your lock is jammed.",
        AlarmCodes.RelockFailed => "Your door could not be locked again.",
        AlarmCodes.DeviceOffline => "A door device went offline.",
        AlarmCodes.WrongCodeLimit => "Too many wrong codes were typed; the keypad is paused.",
        "camera_lost" => "The camera stopped during an entry.",
        AlarmCodes.UnlockNotCommanded => "Your lock opened without Threshold's command and was locked again.",
        AlarmCodes.LockedWhileOpen => "Your lock says locked while the door stands open.",
        AlarmCodes.HubOfflineDuringDelivery => "Your hub went offline during a delivery; the door cannot be watched or relocked.",
        AlarmCodes.HomeBrokerOpen => "Your home network broker lets anyone command your devices.",
        _ => $"Your hub raised an alarm ({code}).",
    };

    private static string Text(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "unknown";
}
