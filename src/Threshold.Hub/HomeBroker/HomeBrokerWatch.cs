using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Threshold.Hub.Outbox;
using Threshold.Hub.Server;
using Threshold.Protocol.Events;
using Threshold.Protocol.Messages;

namespace Threshold.Hub.HomeBroker;

/// <summary>
/// Checks the home broker (<see cref="HomeBrokerProbe"/>) at start and every <c>Hub:HomeBrokerCheck:IntervalMinutes</c>,
/// reports the verdict in the retained <c>state</c> (<c>homeBroker</c>) and raises <c>alarm home_broker_open</c> when a
/// check finds it open after it was not (closed, or not known yet): one alarm per opening, not one per check. A check that
/// cannot tell keeps the last verdict and is tried again within a minute.
/// </summary>
internal sealed partial class HomeBrokerWatch(
    HomeBrokerProbe probe, HubStatus status, EventOutbox outbox, IOptions<HubSettings> options, TimeProvider time, ILogger<HomeBrokerWatch> logger)
    : BackgroundService
{
    private static readonly TimeSpan InconclusiveRetry = TimeSpan.FromMinutes(1);
    private string verdict = HomeBrokerStates.Unknown; // only this loop writes it
    private int checks;

    /// <summary>Checks finished (whatever they found); for tests waiting on the next one.</summary>
    public int Checks => Volatile.Read(ref checks);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.HomeBrokerCheck;
        if (!settings.Enabled)
        {
            LogDisabled(logger);
            return;
        }

        var interval = TimeSpan.FromMinutes(settings.IntervalMinutes);
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = interval;
            try
            {
                var finding = await probe.RunAsync(stoppingToken);
                if (finding.State == HomeBrokerStates.Unknown)
                {
                    next = interval < InconclusiveRetry ? interval : InconclusiveRetry;
                }
                else
                {
                    Apply(finding);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogFailed(logger, e);
                next = interval < InconclusiveRetry ? interval : InconclusiveRetry;
            }

            // The next check's timer is set before the count moves, so a test that waits for the count can advance the clock past it.
            var delay = Task.Delay(next, time, stoppingToken);
            Interlocked.Increment(ref checks);
            try
            {
                await delay;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Apply(HomeBrokerFinding finding)
    {
        var was = verdict;
        verdict = finding.State;
        if (finding.State == HomeBrokerStates.Open && was != HomeBrokerStates.Open)
        {
            // Into the outbox before the state says so: the household hears the alarm even if the state message is lost.
            outbox.Append(new Alarm(0, default, AlarmCodes.HomeBrokerOpen, Reason: finding.Reason));
            LogOpen(logger, finding.Reason ?? "");
        }
        else if (finding.State == HomeBrokerStates.Closed && was == HomeBrokerStates.Open)
        {
            LogClosed(logger);
        }

        status.SetHomeBroker(finding.State);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Home broker check is off (Hub:HomeBrokerCheck:Enabled); the hub reports the home broker as unknown")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The home broker is open ({Reason}): clients other than the hub may reach the door; see docs/home-broker.md")]
    private static partial void LogOpen(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The home broker is closed again")]
    private static partial void LogClosed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Home broker check failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}

internal static class HomeBrokerFeature
{
    public static IServiceCollection AddHomeBrokerCheck(this IServiceCollection services) =>
        services.AddSingleton<HomeBrokerProbe>().AddHostedSingleton<HomeBrokerWatch>();
}
