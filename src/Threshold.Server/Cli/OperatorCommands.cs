using Threshold.Domain.Audit;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Data;
using Threshold.Server.Hubs;

namespace Threshold.Server.Cli;

/// <summary>
/// Operator verbs that run instead of the web server:
/// <c>audit verify FILE</c> checks an exported trail offline; <c>carrier create --name NAME</c>
/// registers a carrier and prints its API key once; <c>key rotate</c> makes a new command-signing key and sends it to
/// every paired hub (Hubs/KeyRotation.cs).
/// </summary>
internal static class OperatorCommands
{
    public static bool IsCommand(string[] args) => args.Length >= 2 && args[0] is "audit" or "carrier" or "key";

    public static async Task<int> RunAsync(string[] args, Func<IServiceProvider> services, TextWriter output)
    {
        return args switch
        {
            ["audit", "verify", var file] => await VerifyAsync(file, output),
            ["carrier", "create", "--name", var name, ..] => await CreateCarrierAsync(name, services(), output),
            ["key", "rotate"] => await RotateKeyAsync(services(), output),
            _ => Usage(output),
        };
    }

    public static async Task<int> VerifyAsync(string file, TextWriter output)
    {
        if (Directory.Exists(file))
        {
            await output.WriteLineAsync($"error: {file} is a directory, not an exported audit file");
            return 2;
        }

        if (!File.Exists(file))
        {
            await output.WriteLineAsync($"error: no such file: {file}");
            return 2;
        }

        var records = new List<AuditRecord>();
        var lineOf = new List<int>();
        using (var reader = new StreamReader(file, detectEncodingFromByteOrderMarks: true))
        {
            foreach (var (number, line) in AuditFileLines.Read(reader))
            {
                if (line is null)
                {
                    await output.WriteLineAsync($"BROKEN at line {number}: longer than {AuditFileLines.MaxLineChars} characters, not an audit entry.");
                    return 1;
                }

                if (line.Length == 0)
                {
                    continue;
                }

                try
                {
                    records.Add(AuditJsonLines.Parse(line));
                    lineOf.Add(number);
                }
                catch (FormatException e)
                {
                    var after = records.Count > 0 ? $" (after seq {records[^1].Seq})" : "";
                    await output.WriteLineAsync($"BROKEN at line {number}{after}: {e.Message}");
                    return 1;
                }
            }
        }

        if (records.Count == 0)
        {
            // Every trail starts with the home's creation: an empty file is a failed export, not an intact chain.
            await output.WriteLineAsync("BROKEN: the file holds no entries.");
            return 1;
        }

        var result = AuditChain.Verify(records);
        if (result.Ok)
        {
            await output.WriteLineAsync($"OK: {result.Count} entries, chain intact.");
            return 0;
        }

        // Name the line as well as the seq the entry claims: an edited seq would otherwise point at an intact entry.
        var expected = result.Count == 0 ? 1 : records[result.Count - 1].Seq + 1;
        var seq = result.FirstBrokenSeq == expected ? $"seq {expected}" : $"seq {result.FirstBrokenSeq} where {expected} belongs";
        await output.WriteLineAsync($"BROKEN at line {lineOf[result.Count]} ({seq}): {result.Problem}");
        return 1;
    }

    private static async Task<int> CreateCarrierAsync(string name, IServiceProvider services, TextWriter output)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            await output.WriteLineAsync("error: --name must be 1–100 characters");
            return 2;
        }

        await services.MigrateDatabaseAsync();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var (carrier, key) = Carrier.Create(name, scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow());
        db.Carriers.Add(carrier);
        await db.SaveChangesAsync();
        await output.WriteLineAsync($"carrier id: {carrier.Id}");
        await output.WriteLineAsync($"api key:    {key}");
        await output.WriteLineAsync("The key is shown only now; store it in the carrier's system.");
        return 0;
    }

    /// <summary>
    /// A CLI rather than an HTTP route: whoever may replace the server's signing key holds its data directory already,
    /// and no account of the web API (residents, couriers, carriers) is the server's operator.
    /// </summary>
    private static async Task<int> RotateKeyAsync(IServiceProvider services, TextWriter output)
    {
        await services.MigrateDatabaseAsync();
        var kid = await services.GetRequiredService<KeyRotation>().RotateAsync("operator", CancellationToken.None);
        await output.WriteLineAsync($"new command key: {kid}");
        await output.WriteLineAsync("New pairings pin it. Each paired hub is sent it, signed with the key it trusts, while the server runs and");
        await output.WriteLineAsync("the hub is online, and switches to it once it confirms. Restart a server that is running now.");
        return 0;
    }

    private static int Usage(TextWriter output)
    {
        output.WriteLine("usage: Threshold.Server audit verify FILE | carrier create --name NAME | key rotate");
        return 2;
    }
}
