using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Homes;

public sealed class MembersApiTests : IAsyncLifetime
{
    private ServerHost host = null!;

    public async Task InitializeAsync() => host = await ServerHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Invite_Accepted_MemberSeesTheHomeButCannotActAsOwner()
    {
        var (owner, home) = await OwnerWithHomeAsync();
        var (memberId, member) = await host.ResidentAsync(name: "Member");

        var joined = await JoinAsync(owner, home, member);

        Assert.Equal(home, joined.GetProperty("homeId").GetGuid());
        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}", member)).StatusCode);
        await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/invitations", member)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/pairing-codes", member)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        var members = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/members", member)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(["owner", "member"], members.EnumerateArray().Select(m => m.GetProperty("role").GetString()));
        Assert.Contains(members.EnumerateArray(), m => m.GetProperty("userId").GetGuid() == memberId);
    }

    [Fact]
    public async Task Accept_CodeUsedTwiceOrUnknown_NotFound()
    {
        var (owner, home) = await OwnerWithHomeAsync();
        var code = await InviteAsync(owner, home);
        var (_, first) = await host.ResidentAsync();
        var (_, second) = await host.ResidentAsync();
        await (await AcceptAsync(first, code)).JsonAsync(HttpStatusCode.OK);

        await (await AcceptAsync(second, code)).ProblemAsync(HttpStatusCode.NotFound, "invalid_code");
        await (await AcceptAsync(second, "AAAA-BBBB-CCCC")).ProblemAsync(HttpStatusCode.NotFound, "invalid_code");
        await (await host.RequestAsync(HttpMethod.Post, "/api/v1/invitations/accept", second, new { code = new string('x', 500) }))
            .ProblemAsync(HttpStatusCode.BadRequest, "invalid_field");
        Assert.Equal(HttpStatusCode.NotFound, (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}", second)).StatusCode);
    }

    [Fact]
    public async Task Accept_Expired_NotFound()
    {
        var (owner, home) = await OwnerWithHomeAsync();
        var code = await InviteAsync(owner, home);
        var email = $"l{Guid.NewGuid():N}@example.test";
        await host.ResidentAsync(email);

        host.Clock.Advance(TimeSpan.FromDays(3) + TimeSpan.FromSeconds(1));
        var late = await host.LoginAsync(email, Api.Password);

        await (await AcceptAsync(late, code)).ProblemAsync(HttpStatusCode.NotFound, "invalid_code");
    }

    [Fact]
    public async Task Remove_Member_TheirSessionsEndAtOnceAndTheHomeIsGoneForThem()
    {
        var (owner, home) = await OwnerWithHomeAsync();
        var email = $"m{Guid.NewGuid():N}@example.test";
        var (memberId, member) = await host.ResidentAsync(email);
        await JoinAsync(owner, home, member);

        (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/homes/{home}/members/{memberId}", owner)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}", member)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.RequestAsync(HttpMethod.Get, "/api/v1/homes", member)).StatusCode);
        var again = await host.LoginAsync(email, Api.Password);
        Assert.Equal(HttpStatusCode.NotFound, (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}", again)).StatusCode);
        var audit = await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/audit", owner)).Content.ReadAsStringAsync();
        Assert.Contains("home.member_joined", audit, StringComparison.Ordinal);
        Assert.Contains("home.member_removed", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_OwnerOrStrangerOrFromAnotherHome_RefusedNothingChanged()
    {
        var (owner, home) = await OwnerWithHomeAsync();
        var (otherOwner, otherHome) = await OwnerWithHomeAsync();
        var (memberId, member) = await host.ResidentAsync();
        await JoinAsync(owner, home, member);
        var ownerId = (await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/members", owner)).JsonAsync(HttpStatusCode.OK))
            .EnumerateArray().Single(m => m.GetProperty("role").GetString() == "owner").GetProperty("userId").GetGuid();

        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/homes/{home}/members/{ownerId}", owner)).ProblemAsync(HttpStatusCode.Conflict, "cannot_remove_owner");
        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/homes/{home}/members/{ownerId}", member)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/homes/{home}/members/{memberId}", otherOwner)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Delete, $"/api/v1/homes/{otherHome}/members/{memberId}", otherOwner)).ProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}/members", otherOwner)).ProblemAsync(HttpStatusCode.NotFound, "not_found");

        Assert.Equal(HttpStatusCode.OK, (await host.RequestAsync(HttpMethod.Get, $"/api/v1/homes/{home}", member)).StatusCode);
    }

    private async Task<(string Owner, Guid Home)> OwnerWithHomeAsync()
    {
        var (_, owner) = await host.ResidentAsync(name: "Owner");
        var (home, _) = await host.HomeAsync(owner);
        return (owner, home);
    }

    private async Task<string> InviteAsync(string owner, Guid home) =>
        (await (await host.RequestAsync(HttpMethod.Post, $"/api/v1/homes/{home}/invitations", owner)).JsonAsync(HttpStatusCode.Created)).GetProperty("code").GetString()!;

    private Task<HttpResponseMessage> AcceptAsync(string token, string code) =>
        host.RequestAsync(HttpMethod.Post, "/api/v1/invitations/accept", token, new { code });

    private async Task<JsonElement> JoinAsync(string owner, Guid home, string member) =>
        await (await AcceptAsync(member, await InviteAsync(owner, home))).JsonAsync(HttpStatusCode.OK);
}
