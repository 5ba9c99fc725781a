using System.Diagnostics;

namespace Threshold.Bench;

/// <summary>
/// How much CPU the rest of the machine used while a phase ran: busy time in /proc/stat minus this
/// process's own, in cores. On a shared 2-core machine a phase with other work beside it is suspect.
/// Linux only; elsewhere it reports nothing.
/// </summary>
internal sealed class CpuMeter
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly long machineStart;
    private readonly long selfStart;
    private readonly long started = Stopwatch.GetTimestamp();

    private CpuMeter(long machine, long self)
    {
        machineStart = machine;
        selfStart = self;
    }

    public static CpuMeter Start() => new(MachineBusyTicks(), SelfTicks());

    /// <summary>Cores' worth of CPU used by other processes since <see cref="Start"/>; NaN when unknown.</summary>
    public double OthersCores()
    {
        var machine = MachineBusyTicks();
        var self = SelfTicks();
        if (machine < 0 || self < 0 || machineStart < 0 || selfStart < 0)
        {
            return double.NaN;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return Math.Max(0, (machine - machineStart - (self - selfStart)) / TicksPerSecond / seconds);
    }

    // user + nice + system + irq + softirq + steal from the "cpu" line of /proc/stat.
    private static long MachineBusyTicks()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return -1;
        }
    }

    // utime + stime of this process (fields 14 and 15 of /proc/self/stat, counted after the command name).
    private static long SelfTicks()
    {
        try
        {
            var text = File.ReadAllText("/proc/self/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return -1;
        }
    }
}
