using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Threshold.Server.Tests.Security;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Validation;

/// <summary>World A plus a second carrier (not enrolled with A) and its courier.</summary>
public sealed class BadInputWorld : IAsyncLifetime
{
    public ServerHost Host { get; private set; } = null!;
    public World A { get; private set; } = null!;
    public Guid CarrierBId { get; private set; }
    public Guid CourierBId { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await ServerHost.StartAsync();
        A = await World.CreateAsync(Host);
        (CarrierBId, var keyB) = await Host.CarrierAsync("Other Parcel Co");
        (CourierBId, _) = await Host.CourierAsync(keyB);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    public DateTimeOffset Now => Host.Clock.GetUtcNow();
}

/// <summary>
/// DESIGN §5: bad input of any kind gets a clear problem+json (status, <c>code</c>, and the <c>field</c> at
/// fault) and nothing is written. Each row is sent to a body that is valid except for the one fault.
/// </summary>
public sealed class BadInputTests(BadInputWorld w) : IClassFixture<BadInputWorld>
{
    private const string RawMarker = "RAWMARKER7f3c";

    internal sealed record Target(
        string Key, HttpMethod Method, Func<BadInputWorld, string> Path, Func<BadInputWorld, string?> Auth, Func<BadInputWorld, JsonObject> Valid);

    internal sealed record Case(
        string Name, Target Target, Func<BadInputWorld, string?> Body, string? ContentType, HttpStatusCode Status, string Code, string? Field, bool Chunked = false);

    internal static readonly Target Register = new("register", HttpMethod.Post, _ => "/api/v1/auth/register", _ => null,
        _ => new JsonObject { ["email"] = $"v{Guid.NewGuid():N}@example.test", ["password"] = Api.Password, ["name"] = "Valid Name" });

    internal static readonly Target Home = new("homes", HttpMethod.Post, _ => "/api/v1/homes", w => w.A.OwnerToken,
        _ => new JsonObject { ["name"] = "Second home", ["timeZone"] = "Europe/Berlin", ["latitude"] = 52.52, ["longitude"] = 13.405 });

    internal static readonly Target Enrol = new("enrol", HttpMethod.Post, w => $"/api/v1/homes/{w.A.HomeId}/carriers", w => w.A.OwnerToken,
        w => new JsonObject
        {
            ["carrierId"] = w.CarrierBId.ToString(),
            ["policy"] = new JsonObject
            {
                ["days"] = new JsonArray("monday", "friday"),
                ["from"] = "08:00",
                ["to"] = "18:00",
                ["entryMethod"] = "remote",
                ["cameraRequired"] = true,
            },
        });

    internal static readonly Target Delivery = new("deliveries", HttpMethod.Post, _ => "/api/v1/deliveries", w => w.A.CarrierKey,
        w => new JsonObject
        {
            ["homeAccessId"] = w.A.HomeAccessId,
            ["externalRef"] = "ext-" + Guid.NewGuid().ToString("N"),
            ["packages"] = new JsonArray("PKG-A", "PKG-B"),
            ["window"] = new JsonObject { ["start"] = w.Now.AddMinutes(-5).ToString("O"), ["end"] = w.Now.AddHours(2).ToString("O") },
        });

    internal static readonly Target Assign = new("assign", HttpMethod.Put, w => $"/api/v1/deliveries/{w.A.DeliveryId}/courier", w => w.A.CarrierKey,
        w => new JsonObject { ["courierId"] = w.A.CourierId.ToString() });

    internal static readonly Target Arrive = new("arrive", HttpMethod.Post, w => $"/api/v1/courier/deliveries/{w.A.DeliveryId}/arrive", w => w.A.CourierToken,
        _ => new JsonObject { ["latitude"] = Api.HomeLat + 0.0001, ["longitude"] = Api.HomeLon, ["accuracy"] = 10.0, ["packageBarcode"] = "PKG-1" });

    internal static readonly Target Lockout = new("lockout", HttpMethod.Put, w => $"/api/v1/homes/{w.A.HomeId}/lockout", w => w.A.OwnerToken,
        w => new JsonObject { ["until"] = w.Now.AddHours(1).ToString("O") });

    internal static readonly Target[] Targets = [Register, Home, Enrol, Delivery, Assign, Arrive, Lockout];

    internal static readonly Case[] Cases = BuildCases();

    // ---- case builders -------------------------------------------------------------------------

    private static Case Bad(Target t, string what, string path, string rawJson, string code, string? field, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        new($"{t.Key}: {what}", t, w => Serialize(t.Valid(w), path, rawJson), "application/json", status, code, field);

    private static Case Bad(Target t, string what, Func<BadInputWorld, (string Path, string Raw)> change, string code, string? field) =>
        new($"{t.Key}: {what}", t, w =>
        {
            var (path, raw) = change(w);
            return Serialize(t.Valid(w), path, raw);
        }, "application/json", HttpStatusCode.BadRequest, code, field);

    private static Case Missing(Target t, string path, string code = "missing_field", string? field = null) =>
        new($"{t.Key}: missing {path}", t, w =>
        {
            var body = t.Valid(w);
            var (parent, name) = Navigate(body, path);
            parent.Remove(name);
            return body.ToJsonString();
        }, "application/json", HttpStatusCode.BadRequest, code, field ?? path);

    private static Case RawBody(Target t, string what, Func<BadInputWorld, string?> body, HttpStatusCode status, string code, string? field,
        string? contentType = "application/json", bool chunked = false) =>
        new($"{t.Key}: {what}", t, body, contentType, status, code, field, chunked);

    private static string Str(string s) => JsonValue.Create(s).ToJsonString();

    private static string Instant(DateTimeOffset t) => Str(t.ToString("O"));

    private static string Serialize(JsonObject body, string path, string raw)
    {
        var (parent, name) = Navigate(body, path);
        parent[name] = RawMarker;
        return body.ToJsonString().Replace($"\"{RawMarker}\"", raw, StringComparison.Ordinal);
    }

    private static (JsonObject Parent, string Name) Navigate(JsonObject body, string path)
    {
        var parts = path.Split('.');
        var node = body;
        foreach (var part in parts[..^1])
        {
            node = (JsonObject)node[part]!;
        }

        return (node, parts[^1]);
    }

    private static Case[] BuildCases()
    {
        const HttpStatusCode Bad400 = HttpStatusCode.BadRequest;
        var cases = new List<Case>();
        var nested1000 = new string('[', 1000) + new string(']', 1000);
        var nestedObjects = string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000);
        var padding = Str(new string('a', 70 * 1024));

        // ---- every endpoint: malformed bodies, framing, media type, size ----
        foreach (var t in Targets)
        {
            var first = t.Key switch { "register" => "email", "homes" => "name", "enrol" => "carrierId", "deliveries" => "homeAccessId", "assign" => "courierId", "arrive" => "latitude", _ => "until" };
            cases.Add(RawBody(t, "truncated JSON", w => { var s = t.Valid(w).ToJsonString(); return s[..(s.Length / 2)]; }, Bad400, "invalid_json", "*"));
            cases.Add(RawBody(t, "not JSON", _ => "this is not json", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "JSON array", _ => "[]", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "JSON array of the valid object", w => "[" + t.Valid(w).ToJsonString() + "]", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "JSON string", _ => "\"hello\"", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "JSON number", _ => "42", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "JSON true", _ => "true", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "whitespace only", _ => "  \n ", Bad400, "invalid_json", null));
            cases.Add(RawBody(t, "trailing garbage after the object", w => t.Valid(w).ToJsonString() + " xyz", Bad400, "invalid_json", "*"));
            cases.Add(RawBody(t, "two objects", w => t.Valid(w).ToJsonString() + t.Valid(w).ToJsonString(), Bad400, "invalid_json", "*"));
            cases.Add(RawBody(t, "a comment", w => "/* hi */" + t.Valid(w).ToJsonString(), Bad400, "invalid_json", "*"));
            cases.Add(RawBody(t, "single-quoted strings", w => t.Valid(w).ToJsonString().Replace('"', '\''), Bad400, "invalid_json", "*"));
            if (t != Lockout)
            {
                // The lockout body is optional ({until?}): no body means "until I end it", which is not bad input.
                cases.Add(RawBody(t, "JSON null", _ => "null", Bad400, "missing_body", null));
                cases.Add(RawBody(t, "empty body", _ => "", Bad400, "missing_body", null));
                cases.Add(RawBody(t, "no body at all", _ => null, Bad400, "missing_body", null, contentType: null));
            }

            cases.Add(Bad(t, "unknown field", "unknown_field", "1", "unknown_field", "unknown_field"));
            cases.Add(Bad(t, "unknown field set to null", "unknown_field", "null", "unknown_field", "unknown_field"));
            cases.Add(RawBody(t, $"duplicate '{first}' (a later value must not silently win)",
                w => "{" + Str(first) + ":" + t.Valid(w)[first]!.ToJsonString() + "," + t.Valid(w).ToJsonString()[1..], Bad400, "invalid_json", first));
            cases.Add(Bad(t, "1000 nested arrays", first, nested1000, "invalid_json", "*"));
            cases.Add(Bad(t, "1000 nested objects", first, nestedObjects, "invalid_json", "*"));
            cases.Add(Bad(t, "body over 64 KiB", "unknown_field", padding, "payload_too_large", null, HttpStatusCode.RequestEntityTooLarge));
            // Chunked: no Content-Length to refuse up front, so the padding sits in a real field the parser must read through.
            cases.Add(RawBody(t, "body over 64 KiB, chunked", w => Serialize(t.Valid(w), first, padding),
                HttpStatusCode.RequestEntityTooLarge, "payload_too_large", null, chunked: true));
            cases.Add(RawBody(t, "text/plain", w => t.Valid(w).ToJsonString(), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, "text/plain"));
            cases.Add(RawBody(t, "application/xml", w => t.Valid(w).ToJsonString(), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, "application/xml"));
            cases.Add(RawBody(t, "form-urlencoded", _ => "a=1&b=2", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, "application/x-www-form-urlencoded"));
            cases.Add(RawBody(t, "JSON with an unknown charset", w => t.Valid(w).ToJsonString(), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, "application/json; charset=nonsense"));
            cases.Add(RawBody(t, "JSON with a quoted charset", w => t.Valid(w).ToJsonString(), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, "application/json; charset=\"utf-8\""));
            cases.Add(RawBody(t, "no Content-Type", w => t.Valid(w).ToJsonString(), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type", null, contentType: null));
        }

        // ---- register ----
        cases.Add(Missing(Register, "email"));
        cases.Add(Missing(Register, "password"));
        cases.Add(Missing(Register, "name"));
        cases.Add(Bad(Register, "email null", "email", "null", "missing_field", "email"));
        cases.Add(Bad(Register, "email is a number", "email", "5", "invalid_json", "email"));
        cases.Add(Bad(Register, "password is true", "password", "true", "invalid_json", "password"));
        cases.Add(Bad(Register, "name is an array", "name", "[\"a\"]", "invalid_json", "name"));
        cases.Add(Bad(Register, "email not an address", "email", Str("not-an-email"), "invalid_email", "email"));
        cases.Add(Bad(Register, "email with a display name", "email", Str("Someone <someone@example.test>"), "invalid_email", "email"));
        cases.Add(Bad(Register, "email with a control character", "email", Str("a\u0001b@example.test"), "invalid_field", "email"));
        cases.Add(Bad(Register, "email of 255 characters", "email", Str(new string('a', 243) + "@example.test"), "invalid_field", "email"));
        cases.Add(Bad(Register, "password too weak", "password", Str("short"), "weak_password", "password"));
        cases.Add(Bad(Register, "password of 129 characters", "password", Str(new string('p', 64) + new string('q', 65)), "invalid_field", "password"));
        cases.Add(Bad(Register, "name empty", "name", Str(""), "invalid_field", "name"));
        cases.Add(Bad(Register, "name with a bell character", "name", Str("Bad\u0007Name"), "invalid_field", "name"));
        cases.Add(Bad(Register, "name with a NUL", "name", Str("Bad\u0000Name"), "invalid_field", "name"));
        cases.Add(Bad(Register, "name with a newline", "name", Str("Bad\nName"), "invalid_field", "name"));
        cases.Add(Bad(Register, "name of 101 characters", "name", Str(new string('n', 101)), "invalid_field", "name"));

        // ---- homes ----
        cases.Add(Missing(Home, "name"));
        cases.Add(Missing(Home, "timeZone"));
        cases.Add(Missing(Home, "latitude"));
        cases.Add(Missing(Home, "longitude"));
        cases.Add(Bad(Home, "latitude \"x\"", "latitude", Str("x"), "invalid_json", "latitude"));
        cases.Add(Bad(Home, "latitude as a numeric string", "latitude", Str("52.52"), "invalid_json", "latitude"));
        cases.Add(Bad(Home, "longitude as a numeric string", "longitude", Str("13"), "invalid_json", "longitude"));
        cases.Add(Bad(Home, "latitude \"NaN\"", "latitude", Str("NaN"), "invalid_json", "latitude"));
        cases.Add(Bad(Home, "latitude \"Infinity\"", "latitude", Str("Infinity"), "invalid_json", "latitude"));
        cases.Add(Bad(Home, "latitude true", "latitude", "true", "invalid_json", "latitude"));
        cases.Add(Bad(Home, "latitude 1e400", "latitude", "1e400", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Home, "latitude -1e400", "latitude", "-1e400", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Home, "longitude 1e400", "longitude", "1e400", "invalid_coordinates", "longitude"));
        cases.Add(Bad(Home, "latitude 90.0001", "latitude", "90.0001", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Home, "latitude -91", "latitude", "-91", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Home, "longitude 180.5", "longitude", "180.5", "invalid_coordinates", "longitude"));
        cases.Add(Bad(Home, "longitude -1000", "longitude", "-1000", "invalid_coordinates", "longitude"));
        cases.Add(Bad(Home, "time zone Mars/Base", "timeZone", Str("Mars/Base"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone ../../etc/passwd", "timeZone", Str("../../etc/passwd"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone Europe/../../../etc/passwd", "timeZone", Str("Europe/../../../etc/passwd"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone /etc/localtime (absolute path)", "timeZone", Str("/etc/localtime"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone zone.tab (a non-zone file)", "timeZone", Str("zone.tab"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone with surrounding space", "timeZone", Str(" Europe/Berlin"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone in capitals", "timeZone", Str("EUROPE/BERLIN"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone utc in lower case", "timeZone", Str("utc"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone Windows id", "timeZone", Str("W. Europe Standard Time"), "invalid_time_zone", "timeZone"));
        cases.Add(Bad(Home, "time zone empty", "timeZone", Str(""), "invalid_field", "timeZone"));
        cases.Add(Bad(Home, "time zone with a NUL", "timeZone", Str("Europe/Berlin\u0000"), "invalid_field", "timeZone"));
        cases.Add(Bad(Home, "time zone of 65 characters", "timeZone", Str("Europe/" + new string('x', 58)), "invalid_field", "timeZone"));
        cases.Add(Bad(Home, "time zone is a number", "timeZone", "1", "invalid_json", "timeZone"));
        cases.Add(Bad(Home, "name empty", "name", Str(""), "invalid_field", "name"));
        cases.Add(Bad(Home, "name with an escape character", "name", Str("Home\u001b[31m"), "invalid_field", "name"));
        cases.Add(Bad(Home, "name of 101 characters", "name", Str(new string('h', 101)), "invalid_field", "name"));

        // ---- enrol (carrier policy) ----
        cases.Add(Missing(Enrol, "carrierId"));
        cases.Add(Missing(Enrol, "policy"));
        cases.Add(Bad(Enrol, "carrierId not a GUID", "carrierId", Str("not-a-guid"), "invalid_json", "carrierId"));
        cases.Add(Bad(Enrol, "carrierId a number", "carrierId", "42", "invalid_json", "carrierId"));
        cases.Add(Bad(Enrol, "carrierId unknown", "carrierId", Str(Guid.NewGuid().ToString()), "unknown_carrier", "carrierId"));
        cases.Add(Bad(Enrol, "carrierId empty GUID", "carrierId", Str(Guid.Empty.ToString()), "unknown_carrier", "carrierId"));
        cases.Add(Bad(Enrol, "policy a string", "policy", Str("every day"), "invalid_json", "policy"));
        cases.Add(Bad(Enrol, "policy unknown field", "policy.unknown_field", "1", "unknown_field", "policy.unknown_field"));
        cases.Add(Missing(Enrol, "policy.days", "invalid_policy"));
        cases.Add(Bad(Enrol, "policy.days empty", "policy.days", "[]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days bad day name", "policy.days", "[\"monday\",\"funday\"]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days a day number", "policy.days", "[\"1\"]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days an abbreviation", "policy.days", "[\"mon\"]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days null entry", "policy.days", "[null]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days eight entries", "policy.days",
            "[\"monday\",\"tuesday\",\"wednesday\",\"thursday\",\"friday\",\"saturday\",\"sunday\",\"monday\"]", "invalid_policy", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days a string", "policy.days", Str("monday"), "invalid_json", "policy.days"));
        cases.Add(Bad(Enrol, "policy.days numbers", "policy.days", "[1]", "invalid_json", "policy.days[0]"));
        cases.Add(Missing(Enrol, "policy.from", "invalid_policy"));
        cases.Add(Missing(Enrol, "policy.to", "invalid_policy"));
        cases.Add(Bad(Enrol, "policy.from 25:00", "policy.from", Str("25:00"), "invalid_policy", "policy.from"));
        cases.Add(Bad(Enrol, "policy.from 8:00 (not HH:mm)", "policy.from", Str("8:00"), "invalid_policy", "policy.from"));
        cases.Add(Bad(Enrol, "policy.from with seconds", "policy.from", Str("08:00:00"), "invalid_policy", "policy.from"));
        cases.Add(Bad(Enrol, "policy.from 08:60", "policy.from", Str("08:60"), "invalid_policy", "policy.from"));
        cases.Add(Bad(Enrol, "policy.from a number", "policy.from", "800", "invalid_json", "policy.from"));
        cases.Add(Bad(Enrol, "policy.to garbage", "policy.to", Str("evening"), "invalid_policy", "policy.to"));
        cases.Add(Bad(Enrol, "policy.to equal to from", "policy.to", Str("08:00"), "invalid_policy", "policy.to"));
        cases.Add(Bad(Enrol, "policy.entryMethod unknown", "policy.entryMethod", Str("teleport"), "invalid_json", "policy.entryMethod"));
        cases.Add(Bad(Enrol, "policy.entryMethod an integer", "policy.entryMethod", "0", "invalid_json", "policy.entryMethod"));
        cases.Add(Bad(Enrol, "policy.cameraRequired a string", "policy.cameraRequired", Str("yes"), "invalid_json", "policy.cameraRequired"));
        cases.Add(Bad(Enrol, "policy.cameraRequired a number", "policy.cameraRequired", "1", "invalid_json", "policy.cameraRequired"));
        cases.Add(Bad(Enrol, "policy.approvalTimeout without requireApproval", "policy.approvalTimeout", "60", "invalid_policy", "policy.approvalTimeout"));
        cases.Add(Bad(Enrol, "policy.approvalTimeout a string", "policy.approvalTimeout", Str("60"), "invalid_json", "policy.approvalTimeout"));
        cases.Add(Bad(Enrol, "policy.requireApproval a string", "policy.requireApproval", Str("yes"), "invalid_json", "policy.requireApproval"));
        cases.Add(Bad(Enrol, "policy.anyTime a string", "policy.anyTime", Str("yes"), "invalid_json", "policy.anyTime"));

        // ---- deliveries ----
        cases.Add(Missing(Delivery, "homeAccessId"));
        cases.Add(Missing(Delivery, "packages"));
        cases.Add(Missing(Delivery, "window"));
        cases.Add(Missing(Delivery, "window.start"));
        cases.Add(Missing(Delivery, "window.end"));
        cases.Add(Missing(Delivery, "externalRef", "invalid_external_ref"));
        cases.Add(Bad(Delivery, "homeAccessId unknown", "homeAccessId", Str("no-such-access-id"), "unknown_home_access_id", "homeAccessId"));
        cases.Add(Bad(Delivery, "homeAccessId a number", "homeAccessId", "5", "invalid_json", "homeAccessId"));
        cases.Add(Bad(Delivery, "homeAccessId of 65 characters", "homeAccessId", Str(new string('h', 65)), "invalid_field", "homeAccessId"));
        cases.Add(Bad(Delivery, "packages a string", "packages", Str("A"), "invalid_json", "packages"));
        cases.Add(Bad(Delivery, "packages numbers", "packages", "[1,2]", "invalid_json", "packages[0]"));
        cases.Add(Bad(Delivery, "packages empty", "packages", "[]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "51 packages", "packages", "[" + string.Join(',', Enumerable.Range(1, 51).Select(i => Str($"PKG-{i}"))) + "]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "duplicate barcodes", "packages", "[\"PKG-A\",\"PKG-B\",\"PKG-A\"]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode of 129 characters", "packages", "[" + Str(new string('B', 129)) + "]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode empty", "packages", "[\"\"]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode null", "packages", "[null]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode with a control character", "packages", "[" + Str("PKG\u0001") + "]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode with a leading space", "packages", "[\" PKG\"]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "barcode not ASCII", "packages", "[" + Str("PKG-\u00e9") + "]", "invalid_packages", "packages"));
        cases.Add(Bad(Delivery, "externalRef with a control character", "externalRef", Str("ext\u0007"), "invalid_external_ref", "externalRef"));
        cases.Add(Bad(Delivery, "externalRef of 129 characters", "externalRef", Str(new string('e', 129)), "invalid_external_ref", "externalRef"));
        cases.Add(Bad(Delivery, "externalRef blank", "externalRef", Str("   "), "invalid_external_ref", "externalRef"));
        cases.Add(Bad(Delivery, "externalRef a number", "externalRef", "7", "invalid_json", "externalRef"));
        cases.Add(Bad(Delivery, "window a string", "window", Str("10-12"), "invalid_json", "window"));
        cases.Add(Bad(Delivery, "window unknown field", "window.unknown_field", "1", "unknown_field", "window.unknown_field"));
        cases.Add(Bad(Delivery, "window end before start", w => ("window", $"{{\"start\":{Instant(w.Now.AddHours(1))},\"end\":{Instant(w.Now.AddMinutes(30))}}}"), "invalid_window", "window"));
        cases.Add(Bad(Delivery, "window empty (end == start)", w => ("window", $"{{\"start\":{Instant(w.Now.AddHours(1))},\"end\":{Instant(w.Now.AddHours(1))}}}"), "invalid_window", "window"));
        cases.Add(Bad(Delivery, "window of 13 hours", w => ("window", $"{{\"start\":{Instant(w.Now)},\"end\":{Instant(w.Now.AddHours(13))}}}"), "window_too_long", "window"));
        cases.Add(Bad(Delivery, "window of 12 hours and 1 second", w => ("window", $"{{\"start\":{Instant(w.Now)},\"end\":{Instant(w.Now.AddHours(12).AddSeconds(1))}}}"), "window_too_long", "window"));
        cases.Add(Bad(Delivery, "window in the past", w => ("window", $"{{\"start\":{Instant(w.Now.AddHours(-3))},\"end\":{Instant(w.Now.AddHours(-1))}}}"), "window_in_past", "window"));
        cases.Add(Bad(Delivery, "window.start without offset", w => ("window.start", Str(w.Now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.end without offset", w => ("window.end", Str(w.Now.AddHours(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture))), "invalid_instant", "window.end"));
        cases.Add(Bad(Delivery, "window.start a date only", "window.start", Str("2026-11-24"), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.start 'tomorrow'", "window.start", Str("tomorrow"), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.start empty", "window.start", Str(""), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.start 30 February", "window.start", Str("2026-02-30T10:00:00Z"), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.start offset +25:00", "window.start", Str("2026-11-24T10:00:00+25:00"), "invalid_instant", "window.start"));
        cases.Add(Bad(Delivery, "window.start a Unix time number", "window.start", "1795000000", "invalid_json", "window.start"));
        cases.Add(Bad(Delivery, "window.end null", "window.end", "null", "missing_field", "window.end"));

        // ---- assign courier ----
        cases.Add(Missing(Assign, "courierId"));
        cases.Add(Bad(Assign, "courierId null", "courierId", "null", "missing_field", "courierId"));
        cases.Add(Bad(Assign, "courierId not a GUID", "courierId", Str("abc"), "invalid_json", "courierId"));
        cases.Add(Bad(Assign, "courierId a number", "courierId", "5", "invalid_json", "courierId"));
        cases.Add(Bad(Assign, "courierId of another carrier's courier", w => ("courierId", Str(w.CourierBId.ToString())), "unknown_courier", "courierId"));
        cases.Add(Bad(Assign, "courierId of a resident", w => ("courierId", Str(w.A.OwnerId.ToString())), "unknown_courier", "courierId"));
        cases.Add(Bad(Assign, "courierId unknown", "courierId", Str(Guid.NewGuid().ToString()), "unknown_courier", "courierId"));
        cases.Add(Bad(Assign, "courierId empty GUID", "courierId", Str(Guid.Empty.ToString()), "unknown_courier", "courierId"));

        // ---- arrive ----
        cases.Add(Missing(Arrive, "latitude"));
        cases.Add(Missing(Arrive, "longitude"));
        cases.Add(Missing(Arrive, "accuracy"));
        cases.Add(Missing(Arrive, "packageBarcode"));
        cases.Add(Bad(Arrive, "latitude \"x\"", "latitude", Str("x"), "invalid_json", "latitude"));
        cases.Add(Bad(Arrive, "latitude as a numeric string", "latitude", Str("52.52"), "invalid_json", "latitude"));
        cases.Add(Bad(Arrive, "accuracy as a numeric string", "accuracy", Str("10"), "invalid_json", "accuracy"));
        cases.Add(Bad(Arrive, "latitude 1e400", "latitude", "1e400", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Arrive, "longitude -1e400", "longitude", "-1e400", "invalid_coordinates", "longitude"));
        cases.Add(Bad(Arrive, "latitude 90.5", "latitude", "90.5", "invalid_coordinates", "latitude"));
        cases.Add(Bad(Arrive, "longitude 180.5", "longitude", "180.5", "invalid_coordinates", "longitude"));
        cases.Add(Bad(Arrive, "accuracy negative", "accuracy", "-1", "invalid_field", "accuracy"));
        cases.Add(Bad(Arrive, "accuracy 1e400", "accuracy", "1e400", "invalid_field", "accuracy"));
        cases.Add(Bad(Arrive, "packageBarcode empty", "packageBarcode", Str(""), "invalid_field", "packageBarcode"));
        cases.Add(Bad(Arrive, "packageBarcode of 129 characters", "packageBarcode", Str(new string('B', 129)), "invalid_field", "packageBarcode"));
        cases.Add(Bad(Arrive, "packageBarcode with a NUL", "packageBarcode", Str("PKG-1\u0000"), "invalid_field", "packageBarcode"));
        cases.Add(Bad(Arrive, "packageBarcode a number", "packageBarcode", "5", "invalid_json", "packageBarcode"));
        cases.Add(Bad(Arrive, "packageBarcode an array", "packageBarcode", "[\"PKG-1\"]", "invalid_json", "packageBarcode"));

        // ---- lockout ----
        cases.Add(Bad(Lockout, "until in the past", w => ("until", Instant(w.Now.AddMinutes(-1))), "invalid_until", "until"));
        cases.Add(Bad(Lockout, "until now", w => ("until", Instant(w.Now)), "invalid_until", "until"));
        cases.Add(Bad(Lockout, "until without offset", w => ("until", Str(w.Now.AddDays(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))), "invalid_instant", "until"));
        cases.Add(Bad(Lockout, "until 'yesterday'", "until", Str("yesterday"), "invalid_instant", "until"));
        cases.Add(Bad(Lockout, "until empty", "until", Str(""), "invalid_instant", "until"));
        cases.Add(Bad(Lockout, "until offset +25:00", "until", Str("2027-01-01T10:00:00+25:00"), "invalid_instant", "until"));
        cases.Add(Bad(Lockout, "until a number", "until", "12345", "invalid_json", "until"));
        cases.Add(Bad(Lockout, "until true", "until", "true", "invalid_json", "until"));

        var duplicate = cases.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? [.. cases] : throw new InvalidOperationException("Duplicate case name: " + duplicate.Key);
    }

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
        {
            data.Add(c.Name);
        }

        return data;
    }

    internal static async Task<HttpResponseMessage> SendAsync(BadInputWorld w, Case c)
    {
        var body = c.Body(w);
        if (!c.Chunked)
        {
            return await w.Host.SendAsync(c.Target.Method, c.Target.Path(w), c.Target.Auth(w), body, c.ContentType);
        }

        using var request = new HttpRequestMessage(c.Target.Method, c.Target.Path(w)) { Content = new ChunkedContent(System.Text.Encoding.UTF8.GetBytes(body!)) };
        request.Content.Headers.ContentType = new("application/json");
        if (c.Target.Auth(w) is { } auth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + auth);
        }

        using var client = w.Host.Client();
        return await client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Send_BadInput_ProblemNamingTheFieldAndNothingWritten(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        var before = await DbSnapshot.TakeAsync(w.Host);

        var response = await SendAsync(w, c);
        await response.ProblemAsync(c.Status, c.Code, c.Field, $"[{c.Name}]");

        before.AssertUnchanged(await DbSnapshot.TakeAsync(w.Host), $"[{c.Name}]");
    }

    [Fact]
    public async Task Battery_Whole_NothingWrittenAnywhere()
    {
        var before = await DbSnapshot.TakeAsync(w.Host);
        foreach (var c in Cases)
        {
            var response = await SendAsync(w, c);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"[{c.Name}] answered {(int)response.StatusCode}");
        }

        before.AssertUnchanged(await DbSnapshot.TakeAsync(w.Host), "after the whole battery");

        // And through the API: still one home, one delivery, one courier, no lockout.
        var homes = await (await w.Host.Client(w.A.OwnerToken).GetAsync("/api/v1/homes")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal([w.A.HomeId], homes.EnumerateArray().Select(h => h.GetProperty("id").GetGuid()));
        var deliveries = await (await w.Host.Client(w.A.OwnerToken).GetAsync($"/api/v1/homes/{w.A.HomeId}/deliveries")).JsonAsync(HttpStatusCode.OK);
        var only = Assert.Single(deliveries.EnumerateArray());
        Assert.Equal("scheduled", only.GetProperty("status").GetString());
        var home = await (await w.Host.Client(w.A.OwnerToken).GetAsync($"/api/v1/homes/{w.A.HomeId}")).JsonAsync(HttpStatusCode.OK);
        Assert.False(home.GetProperty("lockoutActive").GetBoolean());
        var enrolments = await (await w.Host.Client(w.A.OwnerToken).GetAsync($"/api/v1/homes/{w.A.HomeId}/carriers")).JsonAsync(HttpStatusCode.OK);
        Assert.Single(enrolments.EnumerateArray());
        Assert.Equal(3, before.RowCount("AspNetUsers")); // owner, courier A, courier B
    }

    /// <summary>The control: each valid body is accepted, so every row above fails only because of its one fault.</summary>
    [Fact]
    public async Task Send_ValidBodies_Accepted()
    {
        var fresh = new BadInputWorld();
        await fresh.InitializeAsync();
        try
        {
            var expected = new Dictionary<Target, HttpStatusCode>
            {
                [Register] = HttpStatusCode.Created,
                [Home] = HttpStatusCode.Created,
                [Enrol] = HttpStatusCode.Created,
                [Delivery] = HttpStatusCode.Created,
                [Assign] = HttpStatusCode.OK,
                [Arrive] = HttpStatusCode.OK,
                [Lockout] = HttpStatusCode.NoContent,
            };
            foreach (var t in Targets)
            {
                var response = await fresh.Host.SendAsync(t.Method, t.Path(fresh), t.Auth(fresh), t.Valid(fresh).ToJsonString());
                Assert.True(response.StatusCode == expected[t], $"[{t.Key}] valid body: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            // The chunked transfer itself is fine when the body is small.
            var small = new Case("chunked control", Home, w => Home.Valid(w).ToJsonString(), "application/json", HttpStatusCode.Created, "", null, Chunked: true);
            await (await SendAsync(fresh, small)).JsonAsync(HttpStatusCode.Created);
        }
        finally
        {
            await fresh.DisposeAsync();
        }
    }

    /// <summary>A body without Content-Length (Transfer-Encoding: chunked).</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 0; i < bytes.Length; i += 4096)
            {
                await stream.WriteAsync(bytes.AsMemory(i, Math.Min(4096, bytes.Length - i)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
