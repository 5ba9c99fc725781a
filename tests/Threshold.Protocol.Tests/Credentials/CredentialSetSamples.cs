using System.Text.Json.Nodes;
using Threshold.Protocol.Credentials;

namespace Threshold.Protocol.Tests.Credentials;

/// <summary>A valid credential set, as a document and as JSON the tests can bend one field at a time.</summary>
internal static class CredentialSetSamples
{
    public static readonly DateTimeOffset From = new(2026, 11, 24, 7, 0, 0, TimeSpan.Zero);

    public static CredentialSetDocument Document(params CredentialDocument[] credentials) => new(
        12,
        "Europe/Berlin",
        new LockoutDocument(false, null),
        KeypadPolicyDocument.Default,
        credentials.Length > 0 ? credentials : [Guest("g1", "12345678"), Delivery("d1", "87654321")]);

    public static CredentialDocument Guest(string id, string code) =>
        new(id, CredentialKinds.Guest, code, new RecurringScheduleDocument([DayOfWeek.Tuesday], new TimeOnly(9, 0), new TimeOnly(17, 0)), 3, 1);

    public static CredentialDocument Delivery(string id, string code) =>
        new(id, CredentialKinds.Delivery, code, new OnceScheduleDocument(From, From.AddHours(13)), 1, 0);

    /// <summary>The set exactly as today's server writes it (docs/hub-protocol.md).</summary>
    public const string ServerJson = """
        {"version":12,"timeZone":"Europe/Berlin","lockout":{"active":false,"until":null},"keypad":{"wrongCodeLimit":5,"disableSeconds":300},
         "credentials":[
          {"id":"g1","kind":"guest","code":"12345678","schedule":{"type":"recurring","days":["tuesday"],"from":"09:00","to":"17:00"},"maxEntries":3,"entriesUsed":1},
          {"id":"d1","kind":"delivery","code":"87654321","schedule":{"type":"once","from":"2026-11-24T07:00:00.0000000+00:00","to":"2026-11-24T20:00:00.0000000+00:00"},"maxEntries":1,"entriesUsed":0}]}
        """;

    public static JsonObject Node() => (JsonObject)JsonNode.Parse(ServerJson)!;

    public static JsonObject FirstCredential(JsonObject set) => (JsonObject)set["credentials"]![0]!;
}
