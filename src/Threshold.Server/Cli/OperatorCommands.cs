using Threshold.Domain.Audit;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Data;

namespace Threshold.Server.Cli;

/// <summary>
/// Operator verbs that run instead of the web server:
/// <c>audit verify FILE</c> checks an exported trail offline; <c>carrier create --name NAME</c>
/// registers a carrier and prints its API key once.
/// </summary>
internal static class OperatorCommands
{
    public static bool IsCommand(string[] args) => args.Length >= 2 && args[0] is "audit" or "carrier";

    public static async Task<int> RunAsync(string[] args, Func<IServiceProvider> services, TextWriter output)
    {
        return args switch
        {
            ["audit", "verify", var file] => await VerifyAsync(file, output),
            ["carrier", "create", "--name", var name, ..] => await CreateCarrierAsync(name, services(), output),
            _ => Usage(output),
        };
    }

    public static async Task<int> VerifyAsync(string file, TextWriter output)
    {
        if (!File.Exists(file))
        {
            await output.WriteLineAsync($"error: no such file: {file}");
            return 2;
        }

        var records = new List<AuditRecord>();
        var lineNo = 0;
        foreach (var line in await File.ReadAllLinesAsync(file))
        {
            lineNo++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                records.Add(AuditJsonLines.Parse(line));
            }
            catch (FormatException e)
            {
                var after = records.Count > 0 ? $" (after seq {records[^1].Seq})" : "";
                await output.WriteLineAsync($"BROKEN at line {lineNo}{after}: {e.Message}");
                return 1;
            }
        }

        var result = AuditChain.Verify(records);
        if (result.Ok)
        {
            await output.WriteLineAsync($"OK: {result.Count} entries, chain intact.");
            return 0;
        }

        await output.WriteLineAsync($"BROKEN at seq {result.FirstBrokenSeq}: {result.Problem}");
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

    private static int Usage(TextWriter output)
    {
        output.WriteLine("usage: Threshold.Server audit verify FILE | carrier create --name NAME");
        return 2;
    }
}
