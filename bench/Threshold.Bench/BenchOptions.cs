using System.Globalization;

namespace Threshold.Bench;

/// <summary>Command line: <c>[--seconds N] [--concurrency C] [--couriers N] [--rounds R] [--warmup S] [--diagnose]</c>.</summary>
internal sealed record BenchOptions(int Seconds, int Concurrency, int Couriers, int Rounds, int WarmupSeconds, bool Diagnose)
{
    public const string Usage =
        "usage: dotnet run -c Release --project bench/Threshold.Bench -- [--seconds N] [--concurrency C] [--couriers N] [--rounds R] [--warmup S] [--diagnose]";

    public TimeSpan Duration => TimeSpan.FromSeconds(Seconds);

    public static BenchOptions Parse(string[] args)
    {
        int seconds = 10, concurrency = 16, rounds = 3, warmup = 3;
        int? couriers = null;
        var diagnose = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = Positive(args, ++i); break;
                case "--concurrency": concurrency = Positive(args, ++i); break;
                case "--couriers": couriers = Positive(args, ++i); break;
                case "--rounds": rounds = Positive(args, ++i); break;
                case "--warmup": warmup = Positive(args, ++i); break;
                case "--diagnose": diagnose = true; break;
                default: throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}");
            }
        }

        return new BenchOptions(seconds, concurrency, couriers ?? concurrency, rounds, warmup, diagnose);
    }

    private static int Positive(string[] args, int i)
    {
        if (i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"'{args[i - 1]}' needs a positive whole number.\n{Usage}");
        }

        return value;
    }
}
