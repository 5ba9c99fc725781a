using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Threshold.Simulator;

/// <summary>What zigbee2mqtt's lock converters would currently expose for the lock.</summary>
internal readonly record struct LockView(
    bool BoltLocked,
    bool JamShowing,
    bool ReportsDoorState,
    bool DoorClosed,
    int Battery,
    int LinkQuality,
    long? LastPinSave,
    long? LastPinClear);

/// <summary>An operation or programming event (zigbee2mqtt publishes it merged into the state object).</summary>
internal readonly record struct LockAction(string Action, int User, int Source);

/// <summary>One entry of a PIN read-back (<c>users</c>), as zigbee2mqtt's GetPinCode response converter shapes it.</summary>
internal readonly record struct UserReport(int User, string Status, string? PinCode);

/// <summary>The exact JSON zigbee2mqtt publishes for these devices (zigbee-herdsman-converters field names).</summary>
internal static class Z2mPayloads
{
    public const int SourceKeypad = 0;
    public const int SourceRf = 1;
    public const int SourceManual = 2;

    private static readonly string[] SourceNames = ["keypad", "rf", "manual", "rfid"];

    public static byte[] Availability(bool online) => Write(w => w.WriteString("state", online ? "online" : "offline"));

    public static byte[] Contact(bool closed, int battery, int linkQuality) => Write(w =>
    {
        w.WriteNumber("battery", battery);
        // zigbee2mqtt's IAS-zone converter: contact true = the magnet is near = the door is closed.
        w.WriteBoolean("contact", closed);
        w.WriteNumber("linkquality", linkQuality);
    });

    public static byte[] Lock(LockView view, LockAction? action = null, IReadOnlyList<UserReport>? users = null) => Write(w =>
    {
        if (action is { } a)
        {
            w.WriteString("action", a.Action);
            w.WriteNumber("action_source", a.Source);
            w.WriteString("action_source_name", a.Source < SourceNames.Length ? SourceNames[a.Source] : "unknown");
            w.WriteNumber("action_user", a.User);
        }

        w.WriteNumber("auto_relock_time", 0);
        w.WriteNumber("battery", view.Battery);
        if (view.ReportsDoorState)
        {
            // Once a lock has reported door_state, zigbee2mqtt's state cache keeps carrying it.
            w.WriteString("door_state", view.JamShowing ? "error_jammed" : view.DoorClosed ? "closed" : "open");
        }

        if (view.LastPinClear is { } clear)
        {
            w.WriteNumber("last_successful_pincode_clear", clear);
        }

        if (view.LastPinSave is { } save)
        {
            w.WriteNumber("last_successful_pincode_save", save);
        }

        w.WriteNumber("linkquality", view.LinkQuality);
        // ZCL lockState: 0 not_fully_locked, 1 locked, 2 unlocked; the converter maps only 1 to "LOCK".
        var lockState = view.JamShowing ? "not_fully_locked" : view.BoltLocked ? "locked" : "unlocked";
        w.WriteString("lock_state", lockState);
        w.WriteString("sound_volume", "silent_mode");
        w.WriteString("state", lockState == "locked" ? "LOCK" : "UNLOCK");
        if (users is not null)
        {
            w.WriteStartObject("users");
            foreach (var user in users)
            {
                w.WriteStartObject(user.User.ToString(CultureInfo.InvariantCulture));
                if (user.PinCode is not null)
                {
                    w.WriteString("pin_code", user.PinCode);
                }

                w.WriteString("status", user.Status);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
