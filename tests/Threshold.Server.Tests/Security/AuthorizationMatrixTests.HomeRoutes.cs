using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;

namespace Threshold.Server.Tests.Security;

/// <summary>
/// The rows above are listed by hand; these walk every route the server maps under <c>/api/v1/homes/{homeId}/</c>, so a
/// route added later without <c>RequireHomeMember</c>/<c>RequireHomeOwner</c> (src/Threshold.Server/Auth/HomeAccess.cs)
/// fails here even if nobody adds it to the matrix.
/// </summary>
public sealed partial class AuthorizationMatrixTests
{
    /// <summary>The home routes a plain member may not use either (method and pattern, as mapped).</summary>
    private static readonly string[] OwnerOnlyHomeRoutes =
    [
        "POST /api/v1/homes/{homeId:guid}/carriers",
        "GET /api/v1/homes/{homeId:guid}/audit",
        "PUT /api/v1/homes/{homeId:guid}/keypad",
        "POST /api/v1/homes/{homeId:guid}/pairing-codes",
        "POST /api/v1/homes/{homeId:guid}/invitations",
        "DELETE /api/v1/homes/{homeId:guid}/members/{userId:guid}",
    ];

    private List<(string Method, string Pattern)> HomeRoutes() =>
        Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, Pattern: "/" + (e.RoutePattern.RawText ?? "").Trim('/'))))
            .Where(r => r.Pattern.StartsWith("/api/v1/homes/{homeId", StringComparison.Ordinal))
            .Distinct()
            .ToList();

    /// <summary>Home A's route with every id filled in with one of A's own objects, so only the caller's role is at fault.</summary>
    private string PathInHomeA(string pattern) =>
        Regex.Replace(pattern, @"(?<=/(?<segment>[a-z-]+)/)\{(?<name>[A-Za-z]+)(:[a-z]+)?\}", m => (m.Groups["segment"].Value, m.Groups["name"].Value) switch
        {
            ("homes", "homeId") => worlds.A.HomeId.ToString(),
            ("locks", _) => worlds.A.LockId.ToString(),
            ("deliveries", _) => worlds.A.DeliveryId.ToString(),
            ("grants", _) => worlds.GrantA.ToString(),
            ("members", _) => worlds.MemberId.ToString(),
            _ => throw new InvalidOperationException($"No object of home A for {m.Value} in {pattern}: extend {nameof(PathInHomeA)}."),
        });

    [Fact]
    public async Task HomeRoutes_EveryMappedRoute_NonMemberNotFoundPlainMemberNotFoundWhereOwnerOnly()
    {
        var routes = HomeRoutes();
        Assert.True(routes.Count >= 15, $"Only {routes.Count} home routes found: {string.Join(", ", routes)}");
        Assert.All(OwnerOnlyHomeRoutes, r => Assert.Contains(routes, m => $"{m.Method} {m.Pattern}" == r));

        foreach (var (method, pattern) in routes)
        {
            var callers = OwnerOnlyHomeRoutes.Contains($"{method} {pattern}")
                ? new[] { (Caller.OwnerB, worlds.B.OwnerToken), (Caller.MemberA, worlds.MemberToken) }
                : [(Caller.OwnerB, worlds.B.OwnerToken)];
            foreach (var (caller, token) in callers)
            {
                var context = $"{caller} {method} {pattern}";
                var before = await DbSnapshot.TakeAsync(Host);
                var commands = Host.Hub.Commands.Count;

                var body = method is "POST" or "PUT" or "PATCH" ? "{}" : null;
                var response = await Host.SendAsync(new HttpMethod(method), PathInHomeA(pattern), token, body);

                await response.ProblemAsync(HttpStatusCode.NotFound, "not_found", field: "*", context);
                before.AssertUnchanged(await DbSnapshot.TakeAsync(Host), context);
                Assert.True(Host.Hub.Commands.Count == commands, $"[{context}] sent a command to the hub");
            }
        }
    }
}
