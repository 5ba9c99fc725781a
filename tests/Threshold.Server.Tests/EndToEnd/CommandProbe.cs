using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Threshold.Server.Hubs;

namespace Threshold.Server.Tests.EndToEnd;

/// <summary>
/// Stands where an attacker on the server's side of the broker would: sees the commands sent to a
/// hub and can publish whatever it likes to the hub's command topic.
/// </summary>
internal sealed class CommandProbe : IAsyncDisposable
{
    private readonly IMqttClient client = new MqttClientFactory().CreateMqttClient();
    private readonly string prefix;

    private CommandProbe(string prefix) => this.prefix = prefix;

    public ConcurrentQueue<(string Leaf, JsonElement Body)> Seen { get; } = new();

    /// <summary>Fires after each message is added to <see cref="Seen"/>.</summary>
    public Signal SeenOne { get; } = new();

    public static async Task<CommandProbe> ConnectAsync(IServiceProvider server, Guid hubId)
    {
        var broker = server.GetRequiredService<HubBroker>();
        var probe = new CommandProbe($"thr/v1/hubs/{hubId}/");
        probe.client.ApplicationMessageReceivedAsync += e =>
        {
            var leaf = e.ApplicationMessage.Topic[probe.prefix.Length..];
            probe.Seen.Enqueue((leaf, JsonDocument.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray())).RootElement.Clone()));
            probe.SeenOne.Pulse();
            return Task.CompletedTask;
        };
        await probe.client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port)
            .WithCredentials(broker.ServerUsername, broker.ServerPassword).WithClientId("probe-" + Guid.NewGuid().ToString("N")).Build());
        await probe.client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(probe.prefix + "cmd", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(probe.prefix + "reply", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return probe;
    }

    public Task SendCommandAsync(string jws) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(prefix + "cmd")
            .WithPayload(JsonSerializer.Serialize(new { jws })).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>The first command of this kind seen on the wire (the hub also gets sync_credentials).</summary>
    public async Task<string> NextCommandJwsAsync(string command = "unlock")
    {
        bool Match((string Leaf, JsonElement Body) s) => s.Leaf == "cmd" && Claim(s.Body.GetProperty("jws").GetString()!, "cmd") == command;
        await Eventually.UntilAsync(() => Seen.Any(Match), $"a {command} command on the wire", SeenOne);
        return Seen.First(Match).Body.GetProperty("jws").GetString()!;
    }

    public static string Claim(string jws, string claim)
    {
        var part = jws.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.GetProperty(claim).GetString()!;
    }

    /// <summary>The hub's reply for this jti (null jti: the latest refusal without one).</summary>
    public async Task<JsonElement> ReplyAsync(string jti, int index = 0)
    {
        bool Match((string Leaf, JsonElement Body) s) =>
            s.Leaf == "reply" && s.Body.TryGetProperty("jti", out var j) && j.GetString() == jti;
        await Eventually.UntilAsync(() => Seen.Count(Match) > index, $"reply #{index + 1} for {jti}", SeenOne);
        return Seen.Where(Match).ElementAt(index).Body;
    }

    public async ValueTask DisposeAsync()
    {
        await client.DisconnectAsync();
        client.Dispose();
    }
}
