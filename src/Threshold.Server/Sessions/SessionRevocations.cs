using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Threshold.Server.Data;

namespace Threshold.Server.Sessions;

/// <summary>
/// The sessions that have ended before their tokens expire, held in memory so every request checks its token against
/// them without a database round trip (the unlock's hot path stays as it was). This node adds a revocation the moment
/// its write commits (<see cref="RevokedSessionChanges"/>); revocations other nodes wrote arrive through
/// <see cref="SessionRevocationPoller"/> within <see cref="SessionLifetimeOptions.PollInterval"/>.
/// </summary>
internal sealed class SessionRevocations
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> ended = new();

    public int Count => ended.Count;

    public bool IsRevoked(Guid sessionId) => ended.ContainsKey(sessionId);

    /// <summary>Remembers a revoked session until <paramref name="expiresAt"/>, after which its tokens are dead anyway.</summary>
    public void Add(Guid sessionId, DateTimeOffset expiresAt) => ended[sessionId] = expiresAt;

    public void Prune(DateTimeOffset now)
    {
        foreach (var (id, expires) in ended)
        {
            if (expires <= now)
            {
                ended.TryRemove(id, out _);
            }
        }
    }
}

/// <summary>Adds the sessions a write revoked to <see cref="SessionRevocations"/> once it has committed.</summary>
internal sealed class RevokedSessionChanges(SessionRevocations revocations) : IWriteConsequence
{
    public ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct)
    {
        List<(Guid Id, DateTimeOffset Expires)>? revoked = null;
        foreach (var entry in db.ChangeTracker.Entries<Session>())
        {
            if (entry.State is EntityState.Added or EntityState.Modified && entry.Entity.RevokedAt is not null && RevokedNow(entry))
            {
                (revoked ??= []).Add((entry.Entity.Id, entry.Entity.ExpiresAt));
            }
        }

        return ValueTask.FromResult<Action?>(revoked is null ? null : () =>
        {
            foreach (var (id, expires) in revoked)
            {
                revocations.Add(id, expires);
            }
        });
    }

    private static bool RevokedNow(EntityEntry<Session> entry) =>
        entry.State == EntityState.Added || entry.Property(s => s.RevokedAt).IsModified;
}

/// <summary>
/// Loads every revoked, unexpired session at start — before the server answers, so a restart never forgets one — and
/// then what was revoked since, every <see cref="SessionLifetimeOptions.PollInterval"/>, for revocations written by other nodes.
/// </summary>
internal sealed partial class SessionRevocationPoller(
    IServiceScopeFactory scopes, SessionRevocations revocations, TimeProvider time, Microsoft.Extensions.Options.IOptions<SessionLifetimeOptions> options,
    ILogger<SessionRevocationPoller> logger) : BackgroundService
{
    // Revocations are stamped with the writing node's clock; look back this far so a node slightly behind is not missed.
    private static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(30);
    private DateTimeOffset since = DateTimeOffset.MinValue;
    private PeriodicTimer? timer;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        // Made here, not in ExecuteAsync (which runs later on another thread), so the first interval counts from start.
        // A cadence on the machine's timers, not the injected clock: moving a test's clock by days must not fire it
        // once per second of them. What is expired is still judged by the injected clock.
        timer = new PeriodicTimer(options.Value.PollInterval);
        await base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (await timer!.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await LoadAsync(stoppingToken);
                revocations.Prune(time.GetUtcNow());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPollFailed(logger, e);
            }
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var from = since == DateTimeOffset.MinValue ? since : since - ClockMargin;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var revoked = await db.Sessions.AsNoTracking()
            .Where(s => s.RevokedAt != null && s.RevokedAt >= from && s.ExpiresAt > now)
            .Select(s => new { s.Id, s.ExpiresAt })
            .ToListAsync(ct);
        foreach (var s in revoked)
        {
            revocations.Add(s.Id, s.ExpiresAt);
        }

        since = now;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load revoked sessions; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
