using System.Diagnostics;
using Threshold.Bench.EndToEnd;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

if (options.MinThreads is { } minThreads)
{
    // What-if only: a thread pool that starts with this many workers instead of one per core.
    ThreadPool.GetMinThreads(out _, out var io);
    ThreadPool.SetMinThreads(minThreads, io);
}

var machine = Report.Machine();
Console.WriteLine(machine);
var setup = Stopwatch.StartNew();
await using var stack = await EmbeddedStack.StartAsync(options.BusyTimeoutMs, options.WriterGate, options.Tls);
await using var probe = await HubStateProbe.StartAsync(stack.Broker);
await using var floor = await MqttFloor.StartAsync(stack.Broker, options.Tls);
await using var world = await World.CreateAsync(stack, probe, options.Concurrency.Max(), TimeSpan.FromMilliseconds(options.ActuationMs));
Console.WriteLine($"set-up: {world.Homes.Count} homes with paired hubs in {setup.Elapsed.TotalSeconds:F1} s; server {stack.BaseAddress}, hub broker :{stack.Broker.Port}{(options.Tls ? $" (hubs over TLS :{stack.Broker.TlsPort})" : " (plain)")}, home broker :{stack.HomeBroker.Port}");

var duration = TimeSpan.FromSeconds(options.Seconds);
var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
var rows = new List<(PhaseResult Unlock, PhaseResult Floor)>();
foreach (var c in options.Concurrency)
{
    var homes = world.Homes.Take(c).ToList();
    Console.WriteLine($"C={c}:");

    // Warm-up (not reported): JIT, pools, SQLite caches at this concurrency; also sizes the timed phase's deliveries.
    var warm = await UnlockPhase.RunAsync("unlock warm-up", homes, await PrepareAsync(homes, 200, warmup), probe, options.Relock, options.Settle, warmup);
    Report.Phase(warm);
    Report.Phase(await floor.RunAsync("mqtt floor warm-up", c, warmup));

    var prep = Stopwatch.StartNew();
    var work = await PrepareAsync(homes, Math.Max(warm.Rate, 100), duration);
    Console.WriteLine($"  (set-up, not timed: {work.Sum(q => q.Count)} deliveries scheduled and arrived in {prep.Elapsed.TotalSeconds:F1} s)");
    await Task.Delay(500); // let the hubs' event batches from set-up drain

    var unlock = await UnlockPhase.RunAsync("unlock", homes, work, probe, options.Relock, options.Settle, duration);
    Report.Phase(unlock);
    var bare = await floor.RunAsync("mqtt floor", c, duration);
    Report.Phase(bare);
    rows.Add((unlock, bare));
}

// Where the time goes (separate phases: the observers add broker work).
var breakdowns = new List<string>();
foreach (var c in options.Breakdown ? options.Concurrency.Where(c => c <= 16) : [])
{
    var homes = world.Homes.Take(c).ToList();
    var seconds = TimeSpan.FromSeconds(Math.Min(options.Seconds, 5));
    var work = await PrepareAsync(homes, Math.Max(rows.First(r => r.Unlock.Concurrency == c).Unlock.Rate, 100), seconds);
    await using var observer = await Breakdown.StartAsync(stack, homes);
    var trace = new List<(int Home, long Start, long End)>();
    var traced = await UnlockPhase.RunAsync("unlock (observed)", homes, work, probe, options.Relock, options.Settle, seconds, trace);
    Report.Phase(traced);
    breakdowns.Add($"C={c}:\n" + observer.Summarise(trace));
    Console.Write(breakdowns[^1]);
}

var markdown = Report.Markdown(options, args, machine, rows, stack.Logs, breakdowns);
Console.WriteLine();
Console.WriteLine(markdown);
if (options.WriterGate)
{
    Console.WriteLine($"writer gate skipped after 5 s: {WhatIf.WriterGate.Instance.Skipped} times");
}

// The first few, one line each (an exception's stack stays in the log).
foreach (var line in stack.Logs.Lines.Take(10))
{
    Console.WriteLine("  log: " + line.Split('\n')[0]);
}

var output = options.Out ?? Path.Combine(Path.GetTempPath(), "threshold-bench-e2e.md");
await File.WriteAllTextAsync(output, markdown);
Console.WriteLine($"written to {Path.GetFullPath(output)}");
return rows.Any(r => r.Unlock.Errors > 0 || r.Floor.Errors > 0) ? 1 : 0;

// Enough arrived deliveries per home for the phase at 3 times the expected rate (the timed phase, after a longer warm-up, often beats it).
Task<Queue<Guid>[]> PrepareAsync(List<BenchHome> homes, double rate, TimeSpan length) =>
    Deliveries.PrepareAsync(stack, world.CarrierId, homes, (int)Math.Ceiling(rate * length.TotalSeconds * 3 / homes.Count) + 16);
