using System.Text;
using Threshold.Domain.Schedules;
using Threshold.Hub.Keypad;
using static Threshold.Hub.Tests.Support.CredentialSets;

namespace Threshold.Hub.Tests;

public sealed class CredentialSetTests
{
    [Fact]
    public void Parse_DocumentedExample_ReadsEveryField()
    {
        const string json = """
            {"version":12,"timeZone":"Europe/Berlin","lockout":{"active":true,"until":"2026-03-02T12:00:00Z"},
             "keypad":{"wrongCodeLimit":4,"disableSeconds":120},
             "credentials":[
               {"id":"g1","kind":"guest","code":"12345678","schedule":{"type":"recurring","days":["tuesday","Friday"],"from":"09:00","to":"17:00"},"maxEntries":3,"entriesUsed":1},
               {"id":"d1","kind":"delivery","code":"00012345","schedule":{"type":"once","from":"2026-03-02T10:00:00Z","to":"2026-03-02T12:00:00Z"}},
               {"id":"s1","kind":"service","code":"2468","schedule":{"type":"always"},"maxEntries":null}]}
            """;

        var set = CredentialSet.Parse(Encoding.UTF8.GetBytes(json), out var error);

        Assert.Null(error);
        Assert.NotNull(set);
        Assert.Equal(12, set.Version);
        Assert.True(set.LockoutAt(new DateTimeOffset(2026, 3, 2, 11, 59, 59, TimeSpan.Zero)));
        Assert.False(set.LockoutAt(new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal((4, 120), (set.WrongCodeLimit, set.DisableSeconds));
        var recurring = Assert.IsType<RecurringSchedule>(set.Credentials[0].Schedule);
        Assert.Equal(new[] { DayOfWeek.Tuesday, DayOfWeek.Friday }.ToHashSet(), recurring.Days.ToHashSet());
        Assert.False(set.Credentials[0].SingleUse);
        Assert.True(set.Credentials[0].IsSpent(3));
        Assert.True(set.Credentials[1].SingleUse);
        Assert.Equal("00012345", set.Credentials[1].Code);
        Assert.False(set.Credentials[2].IsSpent(1000));
        Assert.DoesNotContain("12345678", set.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("12345678", set.Credentials[0].ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string> Malformed =>
    [
        "[]",
        "not json",
        """{"version":0,"timeZone":"UTC","credentials":[]}""",
        """{"version":1,"timeZone":"UTC"}""",
        """{"version":1,"timeZone":"Nowhere/Else","credentials":[]}""",
        """{"version":1,"timeZone":"UTC","lockout":{"active":"yes"},"credentials":[]}""",
        """{"version":1,"timeZone":"UTC","keypad":{"wrongCodeLimit":0,"disableSeconds":60},"credentials":[]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"friend","code":"1234","schedule":{"type":"always"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"12","schedule":{"type":"always"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"1234","schedule":{"type":"weekly"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"1234","schedule":{"type":"recurring","days":["2"],"from":"09:00","to":"17:00"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"1234","schedule":{"type":"temporary","from":"2026-03-02T12:00:00Z","to":"2026-03-02T10:00:00Z"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"1234","schedule":{"type":"always"}},{"id":"a","kind":"guest","code":"5678","schedule":{"type":"always"}}]}""",
        """{"version":1,"timeZone":"UTC","credentials":[{"id":"a","kind":"guest","code":"1234","schedule":{"type":"always"}},{"id":"b","kind":"guest","code":"1234","schedule":{"type":"always"}}]}""",
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_NotTheDocumentedShape_IsRefused(string json)
    {
        Assert.Null(CredentialSet.Parse(Encoding.UTF8.GetBytes(json), out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Parse_MoreCredentialsThanSlots_IsRefused()
    {
        var set = Set(1, Enumerable.Range(0, 30).Select(i => Credential("c" + i, "guest", (10000000 + (i * 7919)).ToString(System.Globalization.CultureInfo.InvariantCulture), Always())));

        Assert.Null(CredentialSet.Parse(Encoding.UTF8.GetBytes(set.ToJsonString()), out _));
    }
}
