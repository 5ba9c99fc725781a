using System.Text.Json.Nodes;

namespace Threshold.Hub.Server;

/// <summary>The retained <c>state</c> message: latest lock/door, published on connect and on change.</summary>
internal sealed class HubStatus(OutboundWakeup wakeup)
{
    private readonly Lock gate = new();
    private string lockState = "unknown";
    private string doorState = "unknown";
    private bool dirty = true;

    public (string Lock, string Door) Current
    {
        get
        {
            lock (gate)
            {
                return (lockState, doorState);
            }
        }
    }

    public void Update(string lockValue, string doorValue)
    {
        lock (gate)
        {
            if (lockValue == lockState && doorValue == doorState)
            {
                return;
            }

            lockState = lockValue;
            doorState = doorValue;
            dirty = true;
        }

        wakeup.Set();
    }

    /// <summary>Marks the state for (re)publishing, e.g. after a reconnect.</summary>
    public void MarkDirty()
    {
        lock (gate)
        {
            dirty = true;
        }

        wakeup.Set();
    }

    public string? TakeIfDirty()
    {
        lock (gate)
        {
            if (!dirty)
            {
                return null;
            }

            dirty = false;
            return Online(lockState, doorState);
        }
    }

    public static string Online(string lockValue, string doorValue) =>
        new JsonObject { ["online"] = true, ["lock"] = lockValue, ["door"] = doorValue, ["camera"] = false }.ToJsonString();

    public const string Offline = """{"online":false}""";
}
