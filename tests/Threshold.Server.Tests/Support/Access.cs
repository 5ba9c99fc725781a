using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Auth;
using Threshold.Server.Data;

namespace Threshold.Server.Tests.Support;

/// <summary>People with some access to a home that is not ownership: plain members and invited guests.</summary>
public static class Access
{
    /// <summary>
    /// Makes the user a plain member (not owner) of the home. There is no invite endpoint yet, so the
    /// membership is written the way one would be.
    /// </summary>
    public static async Task AddMemberAsync(this ServerHost host, Guid homeId, Guid userId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        db.HomeMembers.Add(new HomeMember { HomeId = homeId, UserId = userId, Role = HomeRole.Member });
        await db.SaveChangesAsync();
    }

    /// <summary>A registered account to invite for app access (it is nobody's member).</summary>
    public static async Task<(Guid Id, string Email, string Token)> GuestAccountAsync(this ServerHost host)
    {
        var email = $"g{Guid.NewGuid():N}@example.test";
        var (id, token) = await host.ResidentAsync(email);
        return (id, email, token);
    }

    /// <summary>
    /// Creates a guest grant open at all times, through the API: app access for <paramref name="guestEmail"/> and/or
    /// the keypad <paramref name="code"/>. Returns the grant's id.
    /// </summary>
    public static async Task<Guid> GuestGrantAsync(
        this ServerHost host, string ownerToken, Guid homeId, string? guestEmail, string? code = null, int? maxEntries = null, string name = "Guest")
    {
        var body = new Dictionary<string, object?> { ["name"] = name, ["kind"] = "guest", ["schedule"] = new { type = "always" }, ["maxEntries"] = maxEntries };
        if (guestEmail is not null)
        {
            body["appAccess"] = new { email = guestEmail };
        }

        if (code is not null)
        {
            body["keypad"] = new { code };
        }

        var created = await (await host.Client(ownerToken).PostAsJsonAsync($"/api/v1/homes/{homeId}/grants", body)).JsonAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    /// <summary><c>POST /me/access/{grantId}/unlock</c> as the invited guest.</summary>
    public static async Task<HttpResponseMessage> AppUnlockAsync(this ServerHost host, string guestToken, Guid grantId)
    {
        using var client = host.Client(guestToken);
        return await client.PostAsync($"/api/v1/me/access/{grantId}/unlock", null);
    }

    /// <summary>The home's grants as the owner lists them.</summary>
    public static async Task<List<JsonElement>> GrantsAsync(this ServerHost host, string ownerToken, Guid homeId)
    {
        using var client = host.Client(ownerToken);
        return (await (await client.GetAsync($"/api/v1/homes/{homeId}/grants")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
    }
}
