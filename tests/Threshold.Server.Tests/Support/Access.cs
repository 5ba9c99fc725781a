using Threshold.Server.Auth;
using Threshold.Server.Data;

namespace Threshold.Server.Tests.Support;

/// <summary>People with some access to a home that is not ownership (guests: see <see cref="ThresholdApi.GuestGrantAsync"/>).</summary>
public static class Access
{
    /// <summary>
    /// Makes the user a plain member (not owner) of the home, as accepting an owner's invitation does
    /// (src/Threshold.Server/Homes/MembersApi.cs), without the round trips.
    /// </summary>
    public static async Task AddMemberAsync(this ServerHost host, Guid homeId, Guid userId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        db.HomeMembers.Add(new HomeMember { HomeId = homeId, UserId = userId, Role = HomeRole.Member });
        await db.SaveChangesAsync();
    }
}
