using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Data;

namespace Threshold.Server.Hubs;

/// <summary>The hub a home's commands go to, its sealing key (public), the server key it trusts and what it last reported.</summary>
internal sealed record HubEntry(Guid Id, string SealingKey, string TrustedKid, bool Online, bool CameraLive);

/// <summary>
/// Which hub serves each home, kept in memory: every unlock asks twice (checks, then the command), and a database
/// round trip each time was measurable (bench/Threshold.Bench.EndToEnd). Whoever changes a hub row calls
/// <see cref="Forget"/> after the commit; a read racing with that change is not cached.
/// </summary>
internal sealed class HubDirectory(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<Guid, HubEntry?> byHome = new();
    private long generation;

    public async ValueTask<HubEntry?> FindAsync(Guid homeId, CancellationToken ct)
    {
        if (byHome.TryGetValue(homeId, out var cached))
        {
            return cached;
        }

        var seen = Volatile.Read(ref generation);
        var entry = await ReadAsync(homeId, ct);
        if (Volatile.Read(ref generation) == seen)
        {
            byHome.TryAdd(homeId, entry);
        }

        return entry;
    }

    /// <summary>
    /// What the database holds now, past the cache: for a credential sync, which is requested the moment a write commits
    /// (the hub's "online" among them), before its writer has had the chance to call <see cref="Forget"/>.
    /// </summary>
    public async Task<HubEntry?> ReadAsync(Guid homeId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        return await db.Hubs.AsNoTracking().Where(h => h.HomeId == homeId).OrderByDescending(h => h.PairedAt)
            .Select(h => new HubEntry(h.Id, h.SealingKey, h.TrustedKid, h.Online, h.CameraLive)).FirstOrDefaultAsync(ct);
    }

    /// <summary>Drops what is known of the home's hub; call after committing a change to it.</summary>
    public void Forget(Guid homeId)
    {
        Interlocked.Increment(ref generation);
        byHome.TryRemove(homeId, out _);
    }
}
