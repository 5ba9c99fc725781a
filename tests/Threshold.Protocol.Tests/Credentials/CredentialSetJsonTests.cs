using System.Text;
using System.Text.Json.Nodes;
using Threshold.Protocol.Credentials;
using static Threshold.Protocol.Tests.Credentials.CredentialSetSamples;

namespace Threshold.Protocol.Tests.Credentials;

public sealed class CredentialSetJsonTests
{
    private static bool Read(JsonNode node, out CredentialSetDocument? set, out string? error) =>
        CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(node.ToJsonString()), out set, out error);

    private static string Refusal(JsonNode node)
    {
        Assert.False(Read(node, out var set, out var error));
        Assert.Null(set);
        Assert.NotNull(error);
        return error;
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        var document = Document();

        Assert.True(CredentialSetJson.TryRead(CredentialSetJson.Write(document), out var read, out var error), error);
        Assert.Equal(document, read);
    }

    [Fact]
    public void TryRead_WhatTodaysServerSends_Accepted()
    {
        Assert.True(CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(ServerJson), out var read, out var error), error);
        Assert.Equal(Document(), read);
    }

    [Fact]
    public void Write_Document_SameFieldsAndOrderAsTodaysServer()
    {
        var written = JsonNode.Parse(CredentialSetJson.Write(Document()))!;

        Assert.True(JsonNode.DeepEquals(Node(), written), written.ToJsonString());
    }

    [Fact]
    public void Write_Nulls_WrittenNotOmitted()
    {
        var document = Document(Guest("g1", "1234") with { MaxEntries = null });

        var written = JsonNode.Parse(CredentialSetJson.Write(document))!;

        Assert.True(((JsonObject)written["lockout"]!).ContainsKey("until"));
        Assert.True(((JsonObject)written["credentials"]![0]!).ContainsKey("maxEntries"));
    }

    [Fact]
    public void TryRead_LockoutUntilWithOffset_Read()
    {
        var node = Node();
        node["lockout"] = new JsonObject { ["active"] = true, ["until"] = "2026-11-25T10:00:00+01:00" };

        Assert.True(Read(node, out var set, out var error), error);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero), set!.Lockout.Until);
        Assert.True(set.Lockout.ActiveAt(new DateTimeOffset(2026, 11, 25, 8, 59, 0, TimeSpan.Zero)));
        Assert.False(set.Lockout.ActiveAt(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("1234")]
    [InlineData("12345678")]
    [InlineData("00000000")]
    public void TryRead_CodeOf4To8Digits_Accepted(string code)
    {
        var node = Node();
        FirstCredential(node)["code"] = code;

        Assert.True(Read(node, out _, out var error), error);
    }

    [Theory]
    [InlineData("123", "credentials[0].code: 4 to 8 digits")]
    [InlineData("123456789", "credentials[0].code: 4 to 8 digits")]
    [InlineData("123456789012", "credentials[0].code: 4 to 8 digits")]
    [InlineData("12a4", "credentials[0].code: 4 to 8 digits")]
    [InlineData("１２３４", "credentials[0].code: 4 to 8 digits")]
    [InlineData(" 1234", "credentials[0].code: 4 to 8 digits")]
    [InlineData("", "credentials[0].code: 4 to 8 digits")]
    public void TryRead_BadCode_RefusedWithoutTheCode(string code, string reason)
    {
        var node = Node();
        FirstCredential(node)["code"] = code;

        var error = Refusal(node);

        Assert.Equal(reason, error);
    }

    [Fact]
    public void TryRead_CodeAsNumber_Refused()
    {
        var node = Node();
        FirstCredential(node)["code"] = 12345678;

        Assert.Equal("credentials[0].code: not of the expected type", Refusal(node));
    }

    [Theory]
    [InlineData("\"12\"", "version: not of the expected type")]
    [InlineData("12.5", "version: not of the expected type")]
    [InlineData("0", "version: a number ≥ 1")]
    [InlineData("-3", "version: a number ≥ 1")]
    [InlineData("null", "version: not of the expected type")]
    public void TryRead_VersionNotAPositiveJsonNumber_Refused(string version, string reason)
    {
        var node = Node();
        node["version"] = JsonNode.Parse(version);

        Assert.Equal(reason, Refusal(node));
    }

    [Theory]
    [InlineData("version")]
    [InlineData("timeZone")]
    [InlineData("lockout")]
    [InlineData("keypad")]
    [InlineData("credentials")]
    public void TryRead_MissingTopLevelField_Refused(string field)
    {
        var node = Node();
        node.Remove(field);

        Assert.Equal(field + ": required", Refusal(node));
    }

    [Theory]
    [InlineData("id")]
    [InlineData("kind")]
    [InlineData("code")]
    [InlineData("schedule")]
    [InlineData("maxEntries")]
    [InlineData("entriesUsed")]
    public void TryRead_MissingCredentialField_Refused(string field)
    {
        var node = Node();
        FirstCredential(node).Remove(field);

        Assert.Equal("credentials[0]." + field + ": required", Refusal(node));
    }

    [Fact]
    public void TryRead_MissingLockoutUntil_RefusedNotTakenAsForever()
    {
        var node = Node();
        node["lockout"] = new JsonObject { ["active"] = true };

        Assert.Equal("lockout.until: required", Refusal(node));
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("")]
    [InlineData(" Europe/Berlin")]
    public void TryRead_UnknownTimeZone_Refused(string zone)
    {
        var node = Node();
        node["timeZone"] = zone;

        Assert.Equal("timeZone: a known IANA time zone id", Refusal(node));
    }

    [Theory]
    [InlineData("wrongCodeLimit", 0)]
    [InlineData("wrongCodeLimit", 1001)]
    [InlineData("disableSeconds", 0)]
    [InlineData("disableSeconds", 604801)]
    public void TryRead_KeypadOutOfRange_Refused(string field, int value)
    {
        var node = Node();
        node["keypad"]![field] = value;

        Assert.StartsWith("keypad." + field + ": 1 to ", Refusal(node), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("owner")]
    [InlineData("Guest")]
    [InlineData("")]
    public void TryRead_UnknownKind_Refused(string kind)
    {
        var node = Node();
        FirstCredential(node)["kind"] = kind;

        Assert.Equal("credentials[0].kind: one of guest, service, delivery", Refusal(node));
    }

    [Fact]
    public void TryRead_EmptyOrLongId_Refused()
    {
        var node = Node();
        FirstCredential(node)["id"] = "";
        Assert.Equal("credentials[0].id: 1 to 128 characters", Refusal(node));

        FirstCredential(node)["id"] = new string('x', 129);
        Assert.Equal("credentials[0].id: 1 to 128 characters", Refusal(node));
    }

    [Theory]
    [InlineData("maxEntries", 0, "credentials[0].maxEntries: null or a number ≥ 1")]
    [InlineData("entriesUsed", -1, "credentials[0].entriesUsed: a number ≥ 0")]
    public void TryRead_BadCounts_Refused(string field, int value, string reason)
    {
        var node = Node();
        FirstCredential(node)[field] = value;

        Assert.Equal(reason, Refusal(node));
    }

    [Fact]
    public void TryRead_DuplicateId_Refused()
    {
        var node = Node();
        node["credentials"]![1]!["id"] = "g1";

        Assert.Equal("credentials[1].id: appears twice in the set", Refusal(node));
    }

    [Fact]
    public void TryRead_DuplicateCode_Refused()
    {
        var node = Node();
        node["credentials"]![1]!["code"] = "12345678";

        var error = Refusal(node);

        Assert.Equal("credentials[1].code: the same as another credential's", error);
        Assert.DoesNotContain("12345678", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_MoreThan29Credentials_Refused()
    {
        var credentials = Enumerable.Range(0, 30)
            .Select(i => Guest("g" + i, (10000000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        Assert.Null(CredentialSetJson.Validate(Document(credentials[..29])));
        var tooMany = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Document(credentials), CredentialsJson.Default.CredentialSetDocument);

        Assert.False(CredentialSetJson.TryRead(tooMany, out _, out var error));
        Assert.Equal("credentials: at most 29", error);
    }

    [Fact]
    public void TryRead_NullCredential_Refused()
    {
        var node = Node();
        ((JsonArray)node["credentials"]!).Add(null);

        Assert.Equal("credentials[2]: must not be null", Refusal(node));
    }

    [Theory]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"tuesday\"],\"from\":\"09:00:00\",\"to\":\"17:00\"}", "credentials[0].schedule.from: a local time HH:mm")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"tuesday\"],\"from\":\"9:00\",\"to\":\"17:00\"}", "credentials[0].schedule.from: a local time HH:mm")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"tuesday\"],\"from\":\"09:00\",\"to\":\"24:00\"}", "credentials[0].schedule.to: a local time HH:mm")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"funday\"],\"from\":\"09:00\",\"to\":\"17:00\"}", "credentials[0].schedule.days[0]: day names such as \"monday\"")]
    [InlineData("{\"type\":\"recurring\",\"days\":[2],\"from\":\"09:00\",\"to\":\"17:00\"}", "credentials[0].schedule.days[0]: day names such as \"monday\"")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"2\"],\"from\":\"09:00\",\"to\":\"17:00\"}", "credentials[0].schedule.days[0]: day names such as \"monday\"")]
    [InlineData("{\"type\":\"recurring\",\"days\":[],\"from\":\"09:00\",\"to\":\"17:00\"}", "credentials[0].schedule: A recurring schedule needs at least one day.")]
    [InlineData("{\"type\":\"recurring\",\"days\":[\"monday\"],\"from\":\"09:00\",\"to\":\"09:00\"}", "credentials[0].schedule: Start and end must differ.")]
    [InlineData("{\"type\":\"once\",\"from\":\"2026-11-24T07:00:00\",\"to\":\"2026-11-24T20:00:00Z\"}", "credentials[0].schedule.from: an ISO 8601 date-time with offset, e.g. 2026-11-23T10:00:00Z")]
    [InlineData("{\"type\":\"temporary\",\"from\":\"2026-11-24T07:00:00Z\",\"to\":\"2026-11-24\"}", "credentials[0].schedule.to: an ISO 8601 date-time with offset, e.g. 2026-11-23T10:00:00Z")]
    [InlineData("{\"type\":\"once\",\"from\":\"2026-11-24T20:00:00Z\",\"to\":\"2026-11-24T07:00:00Z\"}", "credentials[0].schedule: The schedule must start before it ends.")]
    [InlineData("{\"type\":\"sometimes\"}", "credentials[0].schedule.type: not a known type")]
    [InlineData("{\"from\":\"09:00\"}", "credentials[0].schedule.type: required")]
    [InlineData("{\"type\":\"always\",\"from\":\"2026-11-24T07:00:00Z\"}", "credentials[0].schedule.from: not a field here")]
    [InlineData("{\"type\":\"once\",\"from\":\"2026-11-24T07:00:00Z\"}", "credentials[0].schedule.to: required")]
    public void TryRead_BadSchedule_RefusedNamingTheField(string schedule, string reason)
    {
        var node = Node();
        FirstCredential(node)["schedule"] = JsonNode.Parse(schedule);

        Assert.Equal(reason, Refusal(node));
    }

    [Fact]
    public void TryRead_UnknownField_Refused()
    {
        var node = Node();
        FirstCredential(node)["pin"] = "1234";

        Assert.Equal("credentials[0].pin: not a field here", Refusal(node));
    }

    [Fact]
    public void TryRead_RepeatedField_Refused()
    {
        var json = ServerJson.Replace("\"version\":12,", "\"version\":12,\"version\":13,", StringComparison.Ordinal);

        Assert.False(CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Equal("version: appears twice", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"version\":12")]
    public void TryRead_NotAnObject_Refused(string json)
    {
        Assert.False(CredentialSetJson.TryRead(Encoding.UTF8.GetBytes(json), out var set, out var error));
        Assert.Null(set);
        Assert.NotNull(error);
    }

    [Fact]
    public void Write_InvalidDocument_ThrowsMalformedWithoutTheCode()
    {
        var document = Document(Guest("g1", "1234567890"));

        var e = Assert.Throws<ProtocolException>(() => CredentialSetJson.Write(document));

        Assert.Equal(ProtocolErrors.Malformed, e.Code);
        Assert.DoesNotContain("1234567890", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_Documents_NeverTheCodes()
    {
        var document = Document();

        Assert.DoesNotContain("12345678", document.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("12345678", document.Credentials[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Zone_Set_ResolvesTheHomesZone() => Assert.Equal("Europe/Berlin", CredentialSetJson.Zone(Document()).Id);
}
