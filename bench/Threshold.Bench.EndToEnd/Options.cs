using System.Globalization;

namespace Threshold.Bench.EndToEnd;

/// <summary>
/// Command line: <c>--seconds 10 --warmup 10 --concurrency 1,16,64 --actuation-ms 0 --no-relock --no-settle --no-breakdown
/// --sqlite-busy-timeout MS --writer-gate --min-threads N --tls --out FILE</c>. <c>--tls</c>: hubs speak MQTT over TLS to the
/// pinned broker certificate, as a real install does (and the floor's hub side too); without it, plain MQTT on loopback.
/// </summary>
internal sealed record Options(int Seconds, int WarmupSeconds, IReadOnlyList<int> Concurrency, int ActuationMs, bool Relock, bool Settle, bool Breakdown, int? BusyTimeoutMs, bool WriterGate, int? MinThreads, string? Out, bool Tls = false)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(10, 10, [1, 16, 64], 0, true, true, true, null, false, null, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--seconds" => o with { Seconds = Positive(Next(), "--seconds") },
                "--warmup" => o with { WarmupSeconds = Positive(Next(), "--warmup") },
                "--concurrency" => o with { Concurrency = [.. Next().Split(',').Select(c => Positive(c, "--concurrency"))] },
                "--actuation-ms" => o with { ActuationMs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--no-relock" => o with { Relock = false },
                "--no-settle" => o with { Settle = false },
                "--no-breakdown" => o with { Breakdown = false },
                "--sqlite-busy-timeout" => o with { BusyTimeoutMs = Positive(Next(), "--sqlite-busy-timeout") },
                "--writer-gate" => o with { WriterGate = true },
                "--min-threads" => o with { MinThreads = Positive(Next(), "--min-threads") },
                "--out" => o with { Out = Next() },
                "--tls" => o with { Tls = true },
                _ => throw new ArgumentException(
                    $"Unknown argument '{args[i]}'. Usage: [--seconds N] [--warmup N] [--concurrency 1,16,64] [--actuation-ms 0] [--no-relock] [--no-settle] [--no-breakdown] [--sqlite-busy-timeout MS] [--writer-gate] [--min-threads N] [--tls] [--out FILE]"),
            };
        }

        return o.ActuationMs < 0 ? throw new ArgumentException("--actuation-ms must be >= 0.") : o;
    }

    private static int Positive(string text, string name) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new ArgumentException($"{name} takes positive whole numbers, not '{text}'.");
}
