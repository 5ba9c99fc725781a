using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Audit;
using Threshold.Server.Audit;
using Threshold.Server.Data;
using Threshold.Server.Tests.Support;

namespace Threshold.Server.Tests.Data;

/// <summary>Group commit: requests that share a commit still succeed or fail one by one, and in order.</summary>
public sealed class SqliteWriterTests : IAsyncLifetime
{
    private ServerHost host = null!;
    private Guid homeId;

    public async Task InitializeAsync()
    {
        host = await ServerHost.StartAsync();
        var (_, token) = await host.ResidentAsync();
        (homeId, _) = await host.HomeAsync(token);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task WriteAsync_ManyConcurrentRequests_AllCommittedAsOneUnbrokenChain()
    {
        var before = await CountAsync();

        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => AppendAsync("test.concurrent", i)));

        Assert.Equal(before + 60, await CountAsync());
        Assert.True((await VerifyAsync()).Ok);
    }

    [Fact]
    public async Task WriteAsync_OneRequestOfABatchThrows_OnlyThatRequestIsUndone()
    {
        // Hold the writer inside one request so the next three queue up and run as one batch.
        var (holder, release) = await HoldWriterAsync();
        var first = AppendAsync("test.first", 1);
        var failing = WriteAsync<int>(async (db, audit, c) =>
        {
            await audit.AppendAsync(homeId, "test.failing", "test", new { }, c);
            await db.SaveChangesAsync(c); // on disk inside the transaction: only the savepoint can undo it
            throw new InvalidOperationException("refused by the test");
        });
        var last = AppendAsync("test.last", 3);
        release.SetResult();

        await Task.WhenAll(holder, first, last);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("refused by the test", error.Message);
        var types = await TypesAsync();
        Assert.Contains("test.first", types);
        Assert.Contains("test.last", types);
        Assert.DoesNotContain("test.failing", types);
        Assert.True((await VerifyAsync()).Ok);
    }

    [Fact]
    public async Task WriteAsync_CancelledWhileQueued_NeverRuns()
    {
        var (holder, release) = await HoldWriterAsync();
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = WriteAsync((_, _, _) =>
        {
            ran = true;
            return Task.FromResult(0);
        }, cancel.Token);
        await cancel.CancelAsync();
        release.SetResult();

        await holder;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(ran);
    }

    /// <summary>Starts a write that holds the writer (and appends one entry) until <c>release</c> is set.</summary>
    private async Task<(Task Holder, TaskCompletionSource Release)> HoldWriterAsync()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = WriteAsync(async (_, audit, c) =>
        {
            entered.SetResult();
            await release.Task.WaitAsync(c);
            await audit.AppendAsync(homeId, "test.holder", "test", new { }, c);
            return 0;
        });
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return (holder, release);
    }

    private Task AppendAsync(string type, int n) =>
        WriteAsync(async (_, audit, c) =>
        {
            await audit.AppendAsync(homeId, type, "test", new { n }, c);
            return n;
        });

    private async Task<T> WriteAsync<T>(Func<ThresholdDbContext, AuditTrail, CancellationToken, Task<T>> work, CancellationToken ct = default)
    {
        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ThresholdDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        return await db.WriteAsync(audit, c => work(db, audit, c), ct);
    }

    private async Task<int> CountAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().AuditEntries.CountAsync(e => e.HomeId == homeId);
    }

    private async Task<List<string>> TypesAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().AuditEntries
            .Where(e => e.HomeId == homeId).Select(e => e.Type).ToListAsync();
    }

    private async Task<AuditVerification> VerifyAsync()
    {
        await using var scope = host.Services.CreateAsyncScope();
        var entries = await scope.ServiceProvider.GetRequiredService<ThresholdDbContext>().AuditEntries.AsNoTracking()
            .Where(e => e.HomeId == homeId).OrderBy(e => e.Seq).ToListAsync();
        return AuditChain.Verify(entries.Select(e => e.ToRecord()));
    }
}
