using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Threshold.Server.Carriers;

namespace Threshold.Server.Webhooks;

/// <summary>
/// A carrier's endpoint for the state changes of its deliveries. The signing secret is kept only protected with the
/// server's data-protection key (as keypad codes are: Keypad/CodeVault.cs), because every send must compute an HMAC with it.
/// </summary>
internal sealed class WebhookSubscription
{
    private WebhookSubscription()
    {
        Url = string.Empty;
        Events = [];
        ProtectedSecret = string.Empty;
    }

    public Guid Id { get; private set; }
    public Guid CarrierId { get; private set; }
    public string Url { get; private set; }

    /// <summary>Event names (<see cref="WebhookEvents"/>) this endpoint is sent.</summary>
    public List<string> Events { get; private set; }
    public string ProtectedSecret { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public static WebhookSubscription Create(Guid carrierId, Uri url, IEnumerable<string> events, string protectedSecret, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        CarrierId = carrierId,
        Url = url.AbsoluteUri,
        Events = [.. events],
        ProtectedSecret = protectedSecret,
        CreatedAt = now,
    };
}

internal sealed class WebhookSubscriptionConfiguration : IEntityTypeConfiguration<WebhookSubscription>
{
    public void Configure(EntityTypeBuilder<WebhookSubscription> b)
    {
        b.ToTable("WebhookSubscriptions");
        b.HasOne<Carrier>().WithMany().HasForeignKey(s => s.CarrierId);
        b.HasIndex(s => s.CarrierId);
        b.Property(s => s.Url).HasMaxLength(WebhookTargets.MaxUrlLength);
        b.PrimitiveCollection(s => s.Events);
    }
}

internal sealed class WebhookMessageConfiguration : IEntityTypeConfiguration<WebhookMessage>
{
    public void Configure(EntityTypeBuilder<WebhookMessage> b)
    {
        b.ToTable("WebhookMessages");
        b.HasKey(m => m.Sequence);
        b.Property(m => m.Sequence).ValueGeneratedOnAdd();
        b.HasIndex(m => m.Id).IsUnique();
        // The dispatcher's question: what is pending, per endpoint and delivery, in order.
        b.HasIndex(m => new { m.State, m.SubscriptionId, m.DeliveryId, m.Order });
        b.HasOne<WebhookSubscription>().WithMany().HasForeignKey(m => m.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
        b.Property(m => m.Event).HasMaxLength(32);
        b.Property(m => m.State).HasConversion<string>().HasMaxLength(16);
        b.Property(m => m.LastError).HasMaxLength(200);
    }
}
