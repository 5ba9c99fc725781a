using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;
using Threshold.Server.Infrastructure;

namespace Threshold.Server.Auth;

internal enum HomeRole
{
    Owner,
    Member,
}

/// <summary>A resident of a home: who may act on it (owner or member).</summary>
internal sealed class HomeMember
{
    public Guid HomeId { get; set; }
    public Guid UserId { get; set; }
    public HomeRole Role { get; set; }
}

/// <summary>
/// Object-level authorization for everything under <c>/api/v1/homes/{homeId}/</c>: a route group (or endpoint) that
/// calls <see cref="RequireHomeMember{TBuilder}"/> or <see cref="RequireHomeOwner{TBuilder}"/> answers 404
/// <c>not_found</c> to every caller who is not a member (or not the owner) of that home, as if it did not exist,
/// before its handler runs. Handlers under such a group never check membership themselves.
/// </summary>
internal static class HomeAccess
{
    private static readonly object RoleKey = new();

    public static TBuilder RequireHomeMember<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new RoleFilter(HomeRole.Member));

    public static TBuilder RequireHomeOwner<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new RoleFilter(HomeRole.Owner));

    public static Task<HomeRole?> RoleAsync(this ThresholdDbContext db, Guid homeId, Guid userId, CancellationToken ct) =>
        db.HomeMembers.AsNoTracking()
            .Where(m => m.HomeId == homeId && m.UserId == userId)
            .Select(m => (HomeRole?)m.Role)
            .FirstOrDefaultAsync(ct);

    private sealed class RoleFilter(HomeRole required) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            // A group filter and an endpoint filter on one request ask the database once.
            if (http.Items[RoleKey] is not HomeRole role)
            {
                if (!Guid.TryParse(http.Request.RouteValues["homeId"]?.ToString(), out var homeId)
                    || await http.RequestServices.GetRequiredService<ThresholdDbContext>().RoleAsync(homeId, http.User.UserId(), http.RequestAborted) is not { } found)
                {
                    return Problems.NotFound();
                }

                http.Items[RoleKey] = role = found;
            }

            return required == HomeRole.Owner && role != HomeRole.Owner ? Problems.NotFound() : await next(context);
        }
    }
}
