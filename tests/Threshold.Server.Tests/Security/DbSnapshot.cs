using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Security;

/// <summary>
/// Every row of every table in the server's SQLite file, so a test can prove that a refused request
/// wrote nothing at all (not just nothing in the tables it happened to think of).
/// </summary>
internal sealed class DbSnapshot
{
    private readonly SortedDictionary<string, List<string>> tables;

    private DbSnapshot(SortedDictionary<string, List<string>> tables) => this.tables = tables;

    public static async Task<DbSnapshot> TakeAsync(ServerHost host)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        var names = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '__EFMigrationsHistory'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        var tables = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            await using var select = connection.CreateCommand();
#pragma warning disable CA2100 // The table names come from sqlite_master, not from input.
            select.CommandText = $"SELECT * FROM \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
#pragma warning restore CA2100
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                var row = new StringBuilder();
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.GetValue(i);
                    row.Append(reader.GetName(i)).Append('=').Append(value switch
                    {
                        byte[] bytes => Convert.ToHexString(bytes),
                        DBNull => "NULL",
                        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                    }).Append(" | ");
                }

                rows.Add(row.ToString());
            }

            rows.Sort(StringComparer.Ordinal);
            tables[name] = rows;
        }

        return new DbSnapshot(tables);
    }

    public int RowCount(string table) => tables.TryGetValue(table, out var rows) ? rows.Count : 0;

    /// <summary>Per changed table: the rows only in <paramref name="after"/> (added) and only here (removed).</summary>
    public Dictionary<string, (List<string> Added, List<string> Removed)> Diff(DbSnapshot after)
    {
        var changes = new Dictionary<string, (List<string>, List<string>)>(StringComparer.Ordinal);
        foreach (var name in tables.Keys.Union(after.tables.Keys))
        {
            var was = tables.GetValueOrDefault(name) ?? [];
            var now = after.tables.GetValueOrDefault(name) ?? [];
            var added = Minus(now, was);
            var removed = Minus(was, now);
            if (added.Count > 0 || removed.Count > 0)
            {
                changes[name] = (added, removed);
            }
        }

        return changes;
    }

    /// <summary>Fails, naming every changed row, unless the database is exactly as before.</summary>
    public void AssertUnchanged(DbSnapshot after, string context)
    {
        var diff = Diff(after);
        Assert.True(diff.Count == 0, $"{context}: the refused request wrote to the database:\n{Describe(diff)}");
    }

    public static string Describe(Dictionary<string, (List<string> Added, List<string> Removed)> diff) =>
        string.Join('\n', diff.Select(d =>
            $"  {d.Key}: +{d.Value.Added.Count} -{d.Value.Removed.Count}\n" +
            string.Concat(d.Value.Added.Select(r => $"    + {Trim(r)}\n")) +
            string.Concat(d.Value.Removed.Select(r => $"    - {Trim(r)}\n"))));

    private static string Trim(string row) => row.Length > 400 ? row[..400] + "…" : row;

    private static List<string> Minus(List<string> a, List<string> b)
    {
        var remaining = b.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var row in a)
        {
            if (remaining.TryGetValue(row, out var n) && n > 0)
            {
                remaining[row] = n - 1;
            }
            else
            {
                result.Add(row);
            }
        }

        return result;
    }
}

/// <summary>Raw requests (any body, any content type, any Authorization) and problem+json assertions.</summary>
internal static class Raw
{
    public static async Task<HttpResponseMessage> SendAsync(
        this ServerHost host, HttpMethod method, string path, string? bearer, string? body = null, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            }
        }

        if (bearer is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
        }

        using var client = host.Client();
        return await client.SendAsync(request);
    }

    /// <summary>
    /// Asserts status, problem+json and <c>code</c>; then the <c>field</c> member: equal to
    /// <paramref name="field"/>, absent when it is null, unchecked when it is "*".
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code, string? field, string context)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status && response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{context}: expected {(int)status} {code} as problem+json, got {(int)response.StatusCode} {response.Content.Headers.ContentType}: {Cut(text)}");
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        var actualCode = problem.TryGetProperty("code", out var c) ? c.GetString() : null;
        Assert.True(actualCode == code, $"{context}: expected code '{code}', got '{actualCode}': {Cut(text)}");
        if (field != "*")
        {
            var actualField = problem.TryGetProperty("field", out var f) ? f.GetString() : null;
            Assert.True(actualField == field, $"{context}: expected field '{field ?? "(none)"}', got '{actualField ?? "(none)"}': {Cut(text)}");
        }

        return problem;
    }

    public static string Cut(string text) => text.Length > 500 ? text[..500] + "…" : text;
}
