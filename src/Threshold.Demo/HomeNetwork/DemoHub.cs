using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Threshold.Demo.Household;
using Threshold.Hub;
using Threshold.Hub.Pairing;
using Threshold.Hub.Storage;
using Threshold.Server.Data;

namespace Threshold.Demo.HomeNetwork;

/// <summary>The hub in the demo home: paired through the server's public API like a real one, run in-process on the home broker.</summary>
internal static class DemoHub
{
    /// <summary>Pairs the demo hub through the public API, unless its identity is still known to this server.</summary>
    public static async Task EnsurePairedAsync(IServiceProvider services, DemoFile demo, string serverUrl, string hubDir, CancellationToken ct)
    {
        if (HubDataDirectory.IsPaired(hubDir))
        {
            var hubId = HubDataDirectory.LoadIdentity(hubDir).HubId;
            await using var scope = services.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().Hubs.AnyAsync(h => h.Id == hubId, ct))
            {
                return;
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(serverUrl) };
        var login = await http.PostAsJsonAsync("/api/v1/auth/login", new { email = demo.Resident.Email, password = demo.Resident.Password }, ct);
        var token = (await login.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("accessToken").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/homes/{demo.HomeId}/pairing-codes");
        request.Headers.Authorization = new("Bearer", token);
        var code = (await (await http.SendAsync(request, ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("code").GetString()!;
        await HubPairing.PairAsync(http, serverUrl, code, "Demo hub", hubDir, ct, force: true);
    }

    /// <summary>The hub signs in to the home broker with its own account, as docs/home-broker.md sets one up.</summary>
    public static IHost Build(string hubDir, int homeBrokerPort, HomeBrokerAccount account, ILoggerFactory logs) =>
        HubHost.Build(
            new HubSettings
            {
                DataDirectory = hubDir,
                Zigbee = new ZigbeeSettings { Host = "127.0.0.1", Port = homeBrokerPort, Username = account.Username, Password = account.Password },
            },
            services => services.AddLogging().AddSingleton(logs));
}
