using System.Text.Json;
using Microsoft.Extensions.Options;
using Threshold.Protocol.Topics;

namespace Threshold.Server.Hubs;

/// <summary>
/// With an external mosquitto broker (<c>Threshold:Mqtt:Provisioning=DynamicSecurity</c>), gives each
/// paired hub its own broker account and a role that allows only its own topics, through mosquitto's
/// dynamic-security control topic, and removes the accounts of hubs a new pairing replaced. The server's
/// broker identity must be a dynamic-security admin. Without it (embedded broker) this does nothing:
/// the embedded broker checks hub credentials against the database itself.
/// </summary>
internal sealed partial class DynSecProvisioner(HubLink link, IOptions<MqttOptions> options, ILogger<DynSecProvisioner> logger)
{
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";
    private const string ServerRole = "threshold-server";

    public bool Enabled => !options.Value.Embedded && options.Value.Provisioning == BrokerProvisioning.DynamicSecurity;

    /// <summary>Lets the server's own account publish commands and acks to every hub (run on each connect).</summary>
    public async Task EnsureServerRoleAsync(CancellationToken ct)
    {
        if (!Enabled)
        {
            return;
        }

        var publishes = HubAcl.ServerPublishPatterns().ToList();
        object[] acls = [.. publishes.Select(topic => Acl("publishClientSend", topic))];
        // createRole fails harmlessly when the role exists; the ACLs are then re-added idempotently. The first time,
        // mosquitto drops our session as the account's roles changed; the supervised reconnect brings it back.
        var commands = new List<object> { new { command = "createRole", rolename = ServerRole, acls } };
        commands.AddRange(publishes.Select(topic => (object)new { command = "addRoleACL", rolename = ServerRole, acltype = "publishClientSend", topic, allow = true }));
        commands.Add(new { command = "addClientRole", username = options.Value.ServerUsername, rolename = ServerRole });
        await link.ControlAsync(new { commands }, ct);
    }

    public async Task ProvisionHubAsync(Guid hubId, string password, IEnumerable<Guid> retired, CancellationToken ct)
    {
        if (!Enabled)
        {
            return;
        }

        var user = HubIds.MqttUser(hubId);
        var commands = new List<object>();
        foreach (var old in retired)
        {
            commands.Add(new { command = "deleteClient", username = HubIds.MqttUser(old) });
            commands.Add(new { command = "deleteRole", rolename = HubIds.MqttUser(old) });
        }

        commands.Add(new
        {
            command = "createRole",
            rolename = user,
            // Exact topics, no wildcards: the same rule the embedded broker applies (HubAcl).
            acls = HubAcl.HubPublishTopics(hubId).Select(topic => Acl("publishClientSend", topic))
                .Concat(HubAcl.HubSubscribeTopics(hubId).Select(topic => Acl("subscribePattern", topic))).ToArray(),
        });
        commands.Add(new { command = "createClient", username = user, password, clientid = user, roles = new[] { new { rolename = user } } });
        var response = await link.ControlAsync(new { commands }, ct);
        foreach (var r in response.GetProperty("responses").EnumerateArray())
        {
            var command = r.GetProperty("command").GetString();
            if (r.TryGetProperty("error", out var error) && command is "createRole" or "createClient")
            {
                LogFailed(logger, hubId, command!, error.GetString() ?? "");
                throw new InvalidOperationException($"Broker refused {command} for hub {hubId}.");
            }
        }
    }

    private static object Acl(string type, string topic) => new { acltype = type, topic, allow = true };

    [LoggerMessage(Level = LogLevel.Error, Message = "Broker provisioning for hub {HubId} failed at {Command}: {Error}")]
    private static partial void LogFailed(ILogger logger, Guid hubId, string command, string error);
}

internal enum BrokerProvisioning
{
    /// <summary>The broker authenticates hubs some other way (or is the embedded one).</summary>
    None,

    /// <summary>mosquitto ≥ 2.0 dynamic-security plugin, driven over its control topic.</summary>
    DynamicSecurity,
}
