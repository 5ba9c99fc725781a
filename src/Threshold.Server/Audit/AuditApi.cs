using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Threshold.Server.Auth;
using Threshold.Server.Data;

namespace Threshold.Server.Audit;

internal static class AuditApi
{
    private const int Batch = 1000;

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/v1/homes/{homeId:guid}/audit").WithTags("Audit").RequireAuthorization(Policies.Resident).RequireHomeOwner()
            .MapGet("/", Export);
        return app;
    }

    /// <summary>The whole chain as JSON lines, streamed in sequence order (owners only).</summary>
    public static Results<PushStreamHttpResult, ProblemHttpResult> Export(Guid homeId, ThresholdDbContext db, CancellationToken ct) =>
        TypedResults.Stream(async stream =>
        {
            var writer = PipeWriter.Create(stream);
            long after = 0;
            while (true)
            {
                var page = await db.AuditEntries.AsNoTracking()
                    .Where(e => e.HomeId == homeId && e.Seq > after)
                    .OrderBy(e => e.Seq).Take(Batch).ToListAsync(ct);
                foreach (var entry in page)
                {
                    AuditJsonLines.Write(writer, entry.ToRecord());
                    after = entry.Seq;
                }

                await writer.FlushAsync(ct);
                if (page.Count < Batch)
                {
                    break;
                }
            }

            await writer.CompleteAsync();
        }, AuditJsonLines.ContentType, $"audit-{homeId}.jsonl");
}
