using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Threshold.Demo.HomeNetwork;

/// <summary>
/// Stands for the broker on the home's own network that zigbee2mqtt and the hub share, closed as docs/home-broker.md
/// closes a real one: no anonymous client, a user per client (<see cref="HomeBrokerAccounts"/>) and the rights of
/// <see cref="HomeBrokerAcl"/>, so nothing else on the network can command the lock or speak for a device. Loopback only.
/// </summary>
internal sealed partial class HomeNetworkBroker : IAsyncDisposable
{
    private const string RoleItem = "role";
    private readonly MqttServer server;
    private readonly HomeBrokerAccounts accounts;
    private readonly ILogger logger;

    private HomeNetworkBroker(MqttServer server, int port, HomeBrokerAccounts accounts, ILogger logger)
    {
        this.server = server;
        this.accounts = accounts;
        this.logger = logger;
        Port = port;
    }

    public int Port { get; }

    public static async Task<HomeNetworkBroker> StartAsync(int port, HomeBrokerAccounts accounts, ILogger logger)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new HomeNetworkBroker(server, port, accounts, logger);
        server.ValidatingConnectionAsync += broker.ValidateAsync;
        server.InterceptingPublishAsync += broker.InterceptPublishAsync;
        server.InterceptingSubscriptionAsync += broker.InterceptSubscriptionAsync;
        await server.StartAsync();
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        await server.StopAsync();
        server.Dispose();
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        if (accounts.RoleOf(e.UserName, e.Password) is { } role)
        {
            e.SessionItems[RoleItem] = role;
            e.ReasonCode = MqttConnectReasonCode.Success;
        }
        else
        {
            // Never the password; the user name says who tried.
            LogRefusedConnection(logger, e.ClientId, string.IsNullOrEmpty(e.UserName) ? "(anonymous)" : e.UserName);
            e.ReasonCode = string.IsNullOrEmpty(e.UserName) ? MqttConnectReasonCode.NotAuthorized : MqttConnectReasonCode.BadUserNameOrPassword;
        }

        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (e.SessionItems[RoleItem] is not HomeBrokerRole role || !HomeBrokerAcl.MayPublish(role, topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            LogRefusedPublish(logger, e.ClientId, topic);
        }

        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (e.SessionItems[RoleItem] is not HomeBrokerRole || !HomeBrokerAcl.MaySubscribe(filter))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            LogRefusedSubscription(logger, e.ClientId, filter);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker refused client {ClientId} (user {User})")]
    private static partial void LogRefusedConnection(ILogger logger, string clientId, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker refused a publish: client {ClientId} may not publish to {Topic}")]
    private static partial void LogRefusedPublish(ILogger logger, string clientId, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker refused a subscription: client {ClientId} may not subscribe to {Filter}")]
    private static partial void LogRefusedSubscription(ILogger logger, string clientId, string filter);
}
