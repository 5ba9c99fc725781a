using System.Text;
using System.Text.Json.Nodes;
using Threshold.Domain.Schedules;
using Threshold.Hub.Keypad;
using Threshold.Protocol.Credentials;
using static Threshold.Hub.Tests.Support.CredentialSets;

namespace Threshold.Hub.Tests;

/// <summary>The credential set as the hub reads it: Protocol's one validation, and the keypad's rules on top (CredentialRules).</summary>
public sealed class CredentialSetTests
{
    [Fact]
    public void Read_DocumentedExample_ReadsEveryField()
    {
        const string json = """
            {"version":12,"timeZone":"Europe/Berlin","lockout":{"active":true,"until":"2026-03-02T12:00:00Z"},
             "keypad":{"wrongCodeLimit":4,"disableSeconds":120},
             "credentials":[
               {"id":"g1","kind":"guest","code":"12345678","schedule":{"type":"recurring","days":["tuesday","Friday"],"from":"09:00","to":"17:00"},"maxEntries":3,"entriesUsed":1},
               {"id":"d1","kind":"delivery","code":"00012345","schedule":{"type":"once","from":"2026-03-02T10:00:00Z","to":"2026-03-02T12:00:00Z"},"maxEntries":null,"entriesUsed":0},
               {"id":"s1","kind":"service","code":"2468","schedule":{"type":"always"},"maxEntries":null,"entriesUsed":0}]}
            """;

        CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(json), out var set, out var error);

        Assert.Null(error);
        Assert.NotNull(set);
        Assert.Equal(12, set.Version);
        Assert.True(set.Lockout.ActiveAt(new DateTimeOffset(2026, 3, 2, 11, 59, 59, TimeSpan.Zero)));
        Assert.False(set.Lockout.ActiveAt(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal((4, 120), (set.Keypad.WrongCodeLimit, set.Keypad.DisableSeconds));
        var recurring = Assert.IsType<RecurringSchedule>(set.Credentials[0].Schedule.ToSchedule());
        Assert.Equal(new[] { DayOfWeek.Tuesday, DayOfWeek.Friday }.ToHashSet(), recurring.Days.ToHashSet());
        Assert.False(set.Credentials[0].IsSingleUse());
        Assert.True(set.Credentials[0].IsSpent(3));
        Assert.True(set.Credentials[1].IsSingleUse());
        Assert.Equal("00012345", set.Credentials[1].Code);
        Assert.False(set.Credentials[2].IsSpent(1000));
        Assert.DoesNotContain("12345678", set.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("12345678", set.Credentials[0].ToString(), StringComparison.Ordinal);
    }

    // Each case is the documented shape but for the one part named; every required field is there, so each is refused for its own reason.
    public static TheoryData<string> Malformed =>
    [
        "[]",
        "not json",
        """{"version":0,"timeZone":"UTC","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300},"credentials":[]}""",
        """{"version":1,"timeZone":"UTC","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300}}""",
        """{"version":1,"timeZone":"Nowhere/Else","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300},"credentials":[]}""",
        """{"version":1,"timeZone":"UTC","lockout":{"active":"yes","until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300},"credentials":[]}""",
        """{"version":1,"timeZone":"UTC","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":0,"disableSeconds":60},"credentials":[]}""",
        WithCredentials("""{"id":"a","kind":"friend","code":"1234","schedule":{"type":"always"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"12","schedule":{"type":"always"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"1234","schedule":{"type":"weekly"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"1234","schedule":{"type":"recurring","days":["2"],"from":"09:00","to":"17:00"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"1234","schedule":{"type":"temporary","from":"2026-03-02T12:00:00Z","to":"2026-03-02T10:00:00Z"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"1234","schedule":{"type":"always"}}""", """{"id":"a","kind":"guest","code":"5678","schedule":{"type":"always"}}"""),
        WithCredentials("""{"id":"a","kind":"guest","code":"1234","schedule":{"type":"always"}}""", """{"id":"b","kind":"guest","code":"1234","schedule":{"type":"always"}}"""),
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Read_NotTheDocumentedShape_IsRefused(string json)
    {
        Assert.False(CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(json), out var set, out var error));
        Assert.Null(set);
        Assert.NotNull(error);
    }

    [Fact]
    public void Read_MoreCredentialsThanSlots_IsRefused()
    {
        var set = Set(1, Enumerable.Range(0, 29).Select(i => Credential("c" + i, "guest", (10000000 + (i * 7919)).ToString(System.Globalization.CultureInfo.InvariantCulture), Always())));
        var json = Spoiled(set, j => j["credentials"]!.AsArray().Add(JsonNode.Parse("""{"id":"c29","kind":"guest","code":"99999999","schedule":{"type":"always"},"maxEntries":null,"entriesUsed":0}""")));

        Assert.False(CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(json.ToJsonString()), out _, out _));
    }

    /// <summary>A set valid but for its credentials (each given without maxEntries/entriesUsed, which are added).</summary>
    private static string WithCredentials(params string[] credentials) =>
        """{"version":1,"timeZone":"UTC","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300},"credentials":["""
        + string.Join(",", credentials.Select(c => c[..^1] + ""","maxEntries":null,"entriesUsed":0}"""))
        + "]}";
}
