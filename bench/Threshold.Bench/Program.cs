using System.Diagnostics;
using Threshold.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.Diagnose)
{
    await SqlTrace.RunAsync();
    return 0;
}

Report.Environment(options);
await using var server = await BenchServer.StartAsync();
using var http = BenchWorld.Client(server, options.Concurrency);
var world = await BenchWorld.CreateAsync(server, http, options.Couriers);
using var baseline = new RawSqliteBaseline(options.Concurrency);
var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);

// Warm-up (not reported): JIT, connection pools, SQLite page cache; also sizes the rounds below.
Console.WriteLine("warm-up:");
Report.Phase(baseline.Run("raw warm-up", warmup));
var first = await UnlockLoad.RunAsync("server warm-up", http, options.Concurrency, await world.PrepareAsync(options.Concurrency, 16), warmup);
var estimate = Math.Max(first.Rate, 100);
var second = await UnlockLoad.RunAsync("server warm-up", http, options.Concurrency, await world.PrepareAsync(options.Concurrency, PerWorker(estimate, warmup)), warmup);
Report.Phase(second);
estimate = Math.Max(estimate, second.Rate);

var rounds = new List<(PhaseResult Raw, PhaseResult Server)>();
for (var round = 1; round <= options.Rounds; round++)
{
    Console.WriteLine($"run {round}:");
    var rawResult = baseline.Run($"raw #{round}", options.Duration);
    Report.Phase(rawResult);

    var prep = Stopwatch.StartNew();
    var work = await world.PrepareAsync(options.Concurrency, PerWorker(estimate, options.Duration));
    Console.WriteLine($"  (set-up, not timed: {work.Count} deliveries scheduled and arrived in {prep.Elapsed.TotalSeconds:F1} s)");

    var serverResult = await UnlockLoad.RunAsync($"server #{round}", http, options.Concurrency, work, options.Duration);
    Report.Phase(serverResult);
    estimate = Math.Max(estimate, serverResult.Rate);
    rounds.Add((rawResult, serverResult));
}

Report.Table(rounds);
return rounds.Any(r => r.Server.Errors > 0 || r.Raw.Errors > 0) ? 1 : 0;

// Enough arrived deliveries for the phase at twice the best rate seen so far (rates vary run to run).
int PerWorker(double rate, TimeSpan duration) =>
    (int)Math.Ceiling(rate * duration.TotalSeconds * 2 / options.Concurrency) + 16;
