using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Validation;

/// <summary>
/// Randomised garbage at every endpoint that takes a body. Whatever arrives, the answer is a 4xx
/// problem+json with a <c>code</c> — never a 500, a hang or a bare status.
/// </summary>
public sealed class GarbageBodyTests(BadInputWorld w) : IClassFixture<BadInputWorld>
{
    private const int BodiesPerEndpoint = 200;

    private static readonly BadInputTests.Target Login = new("login", HttpMethod.Post, _ => "/api/v1/auth/login", _ => null,
        _ => new JsonObject { ["email"] = "nobody@example.test", ["password"] = "not the password at all" });

    private static readonly BadInputTests.Target NewCourier = new("couriers", HttpMethod.Post, _ => "/api/v1/carrier/couriers", w => w.A.CarrierKey,
        _ => new JsonObject { ["email"] = $"g{Guid.NewGuid():N}@example.test", ["password"] = Api.Password, ["name"] = "Garbage" });

    private static readonly string[] WeirdContentTypes =
    [
        "text/plain", "application/xml", "application/jsonx", "multipart/form-data; boundary=xyz", "application/octet-stream",
        "application/json; charset=utf-16", "application/json; charset=nonsense", "application/json; charset=\"", "application/json;;;",
        "*/*", "application/*", "json",
    ];

    private static readonly string[] Numbers =
    [
        "1e400", "-1e400", "1e999999999", "123456789012345678901234567890123456789012345678901234567890", "0x10", "+1", ".5", "1.", "01",
        "NaN", "Infinity", "-Infinity", "-", "1e", "--1", "1_000", "9223372036854775808", "-0.0e-0", "4.9e-325",
    ];

    [Fact]
    public async Task Post_RandomGarbageBodies_Every4xxProblemWithCode()
    {
        var random = new Random(20261124);
        var targets = BadInputTests.Targets.Append(Login).Append(NewCourier).ToArray();
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        foreach (var target in targets)
        {
            for (var i = 0; i < BodiesPerEndpoint; i++)
            {
                var (kind, body, contentType) = Generate(random, target);
                using var request = new HttpRequestMessage(target.Method, target.Path(w)) { Content = new ByteArrayContent(body) };
                if (contentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }

                if (target.Auth(w) is { } auth)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + auth);
                }

                using var client = w.Host.Client();
                var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? TryCode(text) : null;
                if (status is < 400 or >= 500 || problem is null)
                {
                    failures.Add($"{target.Key} #{i} ({kind}, {contentType ?? "no content type"}): {status} {Raw(text)} <- {Preview(body)}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} bad answers:\n" + string.Join('\n', failures.Take(30)));
        Assert.DoesNotContain(w.Host.Logs.Lines, l => l.Contains("Unhandled error", StringComparison.Ordinal));
        // The battery really did reach the parsers and validators, not just one early refusal.
        Assert.True(statuses.Keys.Count >= 3, "Statuses seen: " + string.Join(", ", statuses));
    }

    private static string? TryCode(string text)
    {
        try
        {
            return JsonDocument.Parse(text).RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String
                && code.GetString() is { Length: > 0 } c ? c : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Raw(string text) => text.Length > 200 ? text[..200] + "…" : text;

    private static string Preview(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 160));
        return JsonSerializer.Serialize(text) + (body.Length > 160 ? $"… ({body.Length} bytes)" : "");
    }

    private (string Kind, byte[] Body, string? ContentType) Generate(Random r, BadInputTests.Target target)
    {
        const string Json = "application/json";
        var valid = target.Valid(w);
        var fields = valid.Select(p => p.Key).ToArray();
        switch (r.Next(11))
        {
            case 0:
                return ("random bytes", r.GetItems(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), r.Next(1, 3000)), Json);
            case 1:
                return ("random printable", Encoding.ASCII.GetBytes(new string(r.GetItems(Enumerable.Range(32, 95).Select(c => (char)c).ToArray(), r.Next(1, 2000)))), Json);
            case 2:
                return ("random JSON", Utf8(RandomValue(r, depth: 0, topLevel: true)), Json);
            case 3:
            {
                // A known field replaced by something of the wrong kind (an object of junk, or a boolean).
                var field = r.GetItems(fields, 1)[0];
                var garbage = r.Next(2) == 0 ? RandomObject(r, 1) : (r.Next(2) == 0 ? "true" : "false");
                return ("field of the wrong kind", Utf8(Replace(valid, field, garbage)), Json);
            }

            case 4:
            {
                // An unknown (unicode) key at a random position among the real ones.
                var pairs = valid.Select(p => $"{JsonString(p.Key)}:{p.Value!.ToJsonString()}").ToList();
                pairs.Insert(r.Next(pairs.Count + 1), $"{JsonString(RandomString(r, r.Next(1, 20)) + "\u00a7")}:{RandomValue(r, 1, false)}");
                return ("unknown key", Utf8("{" + string.Join(',', pairs) + "}"), Json);
            }

            case 5:
            {
                var text = valid.ToJsonString();
                return ("truncated", Utf8(text[..r.Next(0, text.Length - 1)] is { Length: > 0 } cut ? cut : "{"), Json);
            }

            case 6:
            {
                var depth = r.Next(3) switch { 0 => 1000, 1 => 20, _ => 50_000 };
                var nested = r.Next(3) switch
                {
                    0 => new string('[', depth) + new string(']', depth),
                    1 => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "0" + new string('}', depth),
                    _ => new string('[', depth),
                };
                return r.Next(2) == 0 ? ("deep nesting", Utf8(nested), Json) : ("deep nesting in a field", Utf8(Replace(valid, r.GetItems(fields, 1)[0], nested)), Json);
            }

            case 7:
            {
                // Odd numbers: huge, invalid JSON, named constants. Appended junk key keeps a lucky parse from being valid.
                var field = r.GetItems(fields, 1)[0];
                return ("odd number", Utf8(AppendJunk(Replace(valid, field, r.GetItems(Numbers, 1)[0]))), Json);
            }

            case 8:
            {
                // Unicode of every kind in a field (lone surrogates, controls, emoji, RTL), with a junk key last.
                var field = r.GetItems(fields, 1)[0];
                return ("unicode", Utf8(AppendJunk(Replace(valid, field, JsonString(RandomString(r, r.Next(0, 300)))))), Json);
            }

            case 9:
                return ("weird content type", Utf8(valid.ToJsonString()), r.GetItems(WeirdContentTypes, 1)[0]);
            default:
            {
                // Raw invalid UTF-8 inside a string value.
                var text = Replace(valid, r.GetItems(fields, 1)[0], "\"RAWBYTES\"");
                var bytes = Utf8(text).ToList();
                var at = Encoding.UTF8.GetBytes(text[..text.IndexOf("RAWBYTES", StringComparison.Ordinal)]).Length;
                bytes.RemoveRange(at, 8);
                bytes.InsertRange(at, r.GetItems(new byte[] { 0xC0, 0xC1, 0xF5, 0xFF, 0x80, 0xBF, 0xED, 0xA0, 0x80, 0xE0 }, r.Next(1, 6)));
                return ("invalid UTF-8", [.. bytes], Json);
            }
        }
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static string Replace(JsonObject valid, string field, string raw) =>
        "{" + string.Join(',', valid.Select(p => $"{JsonString(p.Key)}:{(p.Key == field ? raw : p.Value!.ToJsonString())}")) + "}";

    private static string AppendJunk(string obj) => obj[..^1] + ",\"\u00a7junk\u00a7\":0}";

    private static string RandomValue(Random r, int depth, bool topLevel)
    {
        var kind = r.Next(depth > 5 ? 4 : 6);
        if (topLevel && kind != 5)
        {
            kind = r.Next(2) == 0 ? 5 : kind;
        }

        return kind switch
        {
            0 => r.GetItems(Numbers, 1)[0] is var n && r.Next(2) == 0 ? n : r.NextDouble().ToString("R", CultureInfo.InvariantCulture),
            1 => JsonString(RandomString(r, r.Next(0, 50))),
            2 => topLevel ? "true" : r.GetItems(new[] { "true", "false", "null" }, 1)[0],
            3 => r.Next(-1000, 1000).ToString(CultureInfo.InvariantCulture),
            4 => "[" + string.Join(',', Enumerable.Range(0, r.Next(0, 5)).Select(_ => RandomValue(r, depth + 1, false))) + "]",
            _ => RandomObject(r, depth),
        };
    }

    /// <summary>Always has at least one key that is no field of any request.</summary>
    private static string RandomObject(Random r, int depth)
    {
        var keys = new[] { "email", "password", "name", "timeZone", "latitude", "longitude", "carrierId", "policy", "days", "from", "to",
            "homeAccessId", "externalRef", "packages", "window", "start", "end", "courierId", "accuracy", "packageBarcode", "until" };
        var pairs = Enumerable.Range(0, r.Next(0, 5))
            .Select(_ => $"{JsonString(r.GetItems(keys, 1)[0])}:{RandomValue(r, depth + 1, false)}")
            .Append($"{JsonString("\u00a7" + RandomString(r, r.Next(0, 10)))}:{RandomValue(r, depth + 1, false)}")
            .OrderBy(_ => r.Next());
        return "{" + string.Join(',', pairs) + "}";
    }

    private static string RandomString(Random r, int length)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            sb.Append(r.Next(8) switch
            {
                0 => (char)r.Next(0, 32), // controls, NUL
                1 => (char)r.Next(0xD800, 0xE000), // lone surrogates
                2 => "\U0001F4E6", // emoji (a pair)
                3 => "\u202E\u200B\uFEFF", // RTL override, zero-width, BOM
                4 => "e\u0301", // combining accent
                5 => (char)r.Next(0x80, 0x800),
                _ => (char)r.Next(32, 127),
            });
        }

        return sb.ToString();
    }

    /// <summary>Escapes by hand (System.Text.Json refuses to write lone surrogates).</summary>
    private static string JsonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            sb.Append(c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return sb.Append('"').ToString();
    }
}
