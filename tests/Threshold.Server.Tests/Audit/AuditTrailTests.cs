using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Cli;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Audit;

public sealed class AuditTrailTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private World world = null!;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        world = await World.CreateAsync(host);
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId, Api.AtTheDoor("WRONG"))).ProblemAsync(HttpStatusCode.Forbidden, "package_mismatch");
        await (await host.ArriveAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
        await (await host.UnlockAsync(world.CourierToken, world.DeliveryId)).JsonAsync(HttpStatusCode.OK);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Export_WholeFlow_VerifiesOfflineAndRecordsDenials()
    {
        var file = await ExportAsync();
        var lines = await File.ReadAllLinesAsync(file);

        Assert.Equal((0, "OK"), await VerifyAsync(file));
        Assert.Contains(AuditLog.Parse(string.Join('\n', lines)), e => e.Type == "access.decision" && e.Text("reason") == "package_mismatch");
        Assert.Equal(Enumerable.Range(1, lines.Length).Select(i => (long)i), lines.Select(l => Threshold.Server.Audit.AuditJsonLines.Parse(l).Seq));
    }

    [Fact]
    public async Task Verify_StoredEntryEdited_NamesThatEntry()
    {
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
            // An attacker with the database flips a denial into an allow.
            var edited = await db.Database.ExecuteSqlInterpolatedAsync(
                $"UPDATE AuditEntries SET Data = replace(Data, '\"allowed\":false', '\"allowed\":true') WHERE HomeId = {world.HomeId} AND Data LIKE '%package_mismatch%'");
            Assert.Equal(1, edited);
        }

        var seq = await SeqOfAsync("package_mismatch");
        var (code, output) = await VerifyAsync(await ExportAsync());
        Assert.Equal(1, code);
        Assert.Contains($"(seq {seq}): hash_mismatch", output, StringComparison.Ordinal);
        Assert.Contains($"BROKEN at line {seq} ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_EntryDeletedFromFile_NamesTheGap()
    {
        var file = await ExportAsync();
        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        lines.RemoveAt(3);
        await File.WriteAllLinesAsync(file, lines);

        var (code, output) = await VerifyAsync(file);
        Assert.Equal(1, code);
        Assert.Contains("BROKEN at line 4 (seq 5 where 4 belongs): seq_gap", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_LineIsGarbage_NamesTheLine()
    {
        var file = await ExportAsync();
        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        lines[1] = "{not json";
        await File.WriteAllLinesAsync(file, lines);

        var (code, output) = await VerifyAsync(file);
        Assert.Equal(1, code);
        Assert.Contains("line 2", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("seq edited", "BROKEN at line 5 (seq 2 where 5 belongs): seq_out_of_order")]
    [InlineData("empty file", "BROKEN: the file holds no entries.")]
    [InlineData("field missing", "BROKEN at line 5 (after seq 4): Not an audit entry: 'prevHash' is missing.")]
    [InlineData("field added", "BROKEN at line 5 (after seq 4): Not an audit entry: 'approvedBy' is not one of its fields.")]
    [InlineData("duplicate key", "BROKEN at line 5 (after seq 4): Not an audit entry:")]
    [InlineData("instant without offset", "BROKEN at line 5 (after seq 4): Not an audit entry: 'at' must be an ISO 8601 instant with its offset.")]
    [InlineData("null string", "BROKEN at line 5 (after seq 4): Not an audit entry: 'type' must be a string.")]
    [InlineData("line of 2 MB", "BROKEN at line 5: longer than 1048576 characters, not an audit entry.")]
    public async Task Verify_FileMangled_NamesTheLineAndWhy(string mangling, string expected)
    {
        var file = await ExportAsync();
        var lines = (await File.ReadAllLinesAsync(file)).ToList();
        var node = System.Text.Json.Nodes.JsonNode.Parse(lines[4])!.AsObject();
        switch (mangling)
        {
            case "seq edited": node["seq"] = 2; lines[4] = node.ToJsonString(); break;
            case "empty file": lines.Clear(); break;
            case "field missing": node.Remove("prevHash"); lines[4] = node.ToJsonString(); break;
            case "field added": node["approvedBy"] = "owner"; lines[4] = node.ToJsonString(); break;
            case "duplicate key": lines[4] = "{\"type\":\"forged\"," + lines[4][1..]; break;
            case "instant without offset": node["at"] = "2026-11-24T10:00:00"; lines[4] = node.ToJsonString(); break;
            case "null string": node["type"] = null; lines[4] = node.ToJsonString(); break;
            case "line of 2 MB": lines[4] = new string('x', 2 << 20); break;
        }

        await File.WriteAllLinesAsync(file, lines);
        var (code, output) = await VerifyAsync(file);
        Assert.Equal(1, code);
        Assert.StartsWith(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DirectoryOrMissingFile_UsageError()
    {
        Assert.Equal(2, (await VerifyAsync(host.DataDir)).Code);
        Assert.Equal(2, (await VerifyAsync(Path.Combine(host.DataDir, "nope.jsonl"))).Code);
    }

    [Fact]
    public async Task Export_ByNonOwner_NotFound()
    {
        var (_, stranger) = await host.ResidentAsync();
        await (await host.Client(stranger).GetAsync($"/api/v1/homes/{world.HomeId}/audit")).ProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Stream_NewActivity_PushedToResident()
    {
        using var client = host.Client(world.OwnerToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/homes/{world.HomeId}/events/stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        (await host.Client(world.OwnerToken).PutAsJsonAsync($"/api/v1/homes/{world.HomeId}/lockout", new { })).EnsureSuccessStatusCode();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        while (!seen.Any(l => l.StartsWith("data:", StringComparison.Ordinal) && ActivityType(l["data:".Length..]) == "home.lockout_started"))
        {
            seen.Add(await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException());
        }

        // The rest of that event, up to its blank line.
        for (var line = await reader.ReadLineAsync(timeout.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(timeout.Token))
        {
            seen.Add(line);
        }

        Assert.Contains(seen, l => l == "event: activity");
        Assert.Contains(seen, l => l.StartsWith("id: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_WithLastEventId_ReplaysMissedEntries()
    {
        using var client = host.Client(world.OwnerToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/homes/{world.HomeId}/events/stream");
        request.Headers.Add("Last-Event-ID", "1");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        Assert.Equal("id: 2", await FirstIdAsync(reader, timeout.Token));
    }

    private static async Task<string> FirstIdAsync(StreamReader reader, CancellationToken ct)
    {
        while (true)
        {
            var line = await reader.ReadLineAsync(ct) ?? throw new EndOfStreamException();
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    private async Task<long> SeqOfAsync(string reason) =>
        AuditLog.Parse(await File.ReadAllTextAsync(await ExportAsync())).First(e => e.Text("reason") == reason).Seq;

    /// <summary>The <c>type</c> of an activity item sent as an SSE data line (JSON).</summary>
    private static string? ActivityType(string json)
    {
        using var item = System.Text.Json.JsonDocument.Parse(json);
        return item.RootElement.TryGetProperty("type", out var type) ? type.GetString() : null;
    }

    private async Task<string> ExportAsync()
    {
        var response = await host.Client(world.OwnerToken).GetAsync($"/api/v1/homes/{world.HomeId}/audit");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(host.DataDir, $"export-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(file, await response.Content.ReadAsStringAsync());
        return file;
    }

    private static async Task<(int Code, string Output)> VerifyAsync(string file)
    {
        var output = new StringWriter();
        var code = await OperatorCommands.VerifyAsync(file, output);
        return (code, code == 0 ? "OK" : output.ToString());
    }
}
