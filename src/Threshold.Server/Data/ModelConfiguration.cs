using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Threshold.Domain.Deliveries;
using Threshold.Protocol.Credentials;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Auth;
using Threshold.Server.Homes;

namespace Threshold.Server.Data;

internal sealed class HomeConfiguration : IEntityTypeConfiguration<Home>
{
    public void Configure(EntityTypeBuilder<Home> b)
    {
        b.Property(h => h.Name).HasMaxLength(100);
        b.Property(h => h.TimeZone).HasMaxLength(64);
        b.Ignore(h => h.Location);
        b.Ignore(h => h.Lockout);
    }
}

internal sealed class HomeMemberConfiguration : IEntityTypeConfiguration<HomeMember>
{
    public void Configure(EntityTypeBuilder<HomeMember> b)
    {
        b.HasKey(m => new { m.HomeId, m.UserId });
        b.HasIndex(m => m.UserId);
        b.HasOne<Home>().WithMany().HasForeignKey(m => m.HomeId);
        b.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId);
        b.Property(m => m.Role).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class DoorLockConfiguration : IEntityTypeConfiguration<DoorLock>
{
    public void Configure(EntityTypeBuilder<DoorLock> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(l => l.HomeId);
        b.Property(l => l.Name).HasMaxLength(100);
        b.Property(l => l.State).HasMaxLength(32);
        b.Property(l => l.Door).HasMaxLength(32);
    }
}

internal sealed class CarrierConfiguration : IEntityTypeConfiguration<Carrier>
{
    public void Configure(EntityTypeBuilder<Carrier> b)
    {
        b.Property(c => c.Name).HasMaxLength(100);
        b.HasIndex(c => c.ApiKeyId).IsUnique();
    }
}

internal sealed class CarrierEnrolmentConfiguration : IEntityTypeConfiguration<CarrierEnrolment>
{
    public void Configure(EntityTypeBuilder<CarrierEnrolment> b)
    {
        b.HasIndex(e => e.HomeAccessId).IsUnique();
        b.HasIndex(e => new { e.HomeId, e.CarrierId }).IsUnique();
        b.HasOne<Home>().WithMany().HasForeignKey(e => e.HomeId);
        b.HasOne<Carrier>().WithMany().HasForeignKey(e => e.CarrierId);
        b.Property(e => e.EntryMethod).HasConversion<string>().HasMaxLength(16);
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(d => d.HomeId);
        b.HasOne<Carrier>().WithMany().HasForeignKey(d => d.CarrierId);
        b.HasOne<CarrierEnrolment>().WithMany().HasForeignKey(d => d.EnrolmentId);
        b.HasIndex(d => new { d.CarrierId, d.ExternalRef }).IsUnique();
        b.HasIndex(d => d.CourierId);
        b.HasIndex(d => d.HomeId);
        b.Property(d => d.ExternalRef).HasMaxLength(128);
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(d => d.FailureReason).HasMaxLength(200);
        // The single entry is consumed by an UPDATE ... WHERE Version = @seen: two nodes racing cannot both win.
        b.Property(d => d.Version).IsConcurrencyToken();
        b.PrimitiveCollection(d => d.PackageList);
        b.Ignore(d => d.Packages);
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        // (HomeId, Seq) as key: two writers appending the same link fail instead of forking the chain.
        b.HasKey(e => new { e.HomeId, e.Seq });
        b.HasOne<Home>().WithMany().HasForeignKey(e => e.HomeId);
        b.Property(e => e.Type).HasMaxLength(64);
        b.Property(e => e.Actor).HasMaxLength(128);
        b.Property(e => e.PrevHash).HasMaxLength(64);
        b.Property(e => e.Hash).HasMaxLength(64);
    }
}

internal sealed class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> b)
    {
        b.Property(u => u.Name).HasMaxLength(100);
        b.Property(u => u.Kind).HasConversion<string>().HasMaxLength(16);
        b.HasOne<Carrier>().WithMany().HasForeignKey(u => u.CarrierId);
    }
}

internal sealed class HubConfiguration : IEntityTypeConfiguration<Hubs.Hub>
{
    public void Configure(EntityTypeBuilder<Hubs.Hub> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(h => h.HomeId);
        b.HasIndex(h => h.HomeId);
        b.Property(h => h.Name).HasMaxLength(100);
        b.Property(h => h.SigningKey).HasMaxLength(512);
        b.Property(h => h.SealingKey).HasMaxLength(512);
        b.Property(h => h.MqttPasswordHash).HasMaxLength(64);
        b.Property(h => h.TrustedKid).HasMaxLength(64);
        b.Property(h => h.PendingKid).HasMaxLength(64);
        b.Ignore(h => h.MqttUsername);
    }
}

internal sealed class PairingCodeConfiguration : IEntityTypeConfiguration<Hubs.PairingCode>
{
    public void Configure(EntityTypeBuilder<Hubs.PairingCode> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(p => p.HomeId);
        b.HasIndex(p => p.CodeHash).IsUnique();
        b.Property(p => p.CodeHash).HasMaxLength(64);
    }
}

internal sealed class GrantConfiguration : IEntityTypeConfiguration<Threshold.Domain.Grants.Grant>
{
    public void Configure(EntityTypeBuilder<Threshold.Domain.Grants.Grant> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(g => g.HomeId);
        b.HasIndex(g => g.HomeId);
        b.Property(g => g.Name).HasMaxLength(100);
        b.Property(g => g.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(g => g.Schedule).HasConversion(s => ScheduleJson.Serialize(s), s => ScheduleJson.Deserialize(s)).HasMaxLength(512);
        b.Property(g => g.Version).IsConcurrencyToken();
    }
}

internal sealed class CredentialConfiguration : IEntityTypeConfiguration<Keypad.Credential>
{
    public void Configure(EntityTypeBuilder<Keypad.Credential> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(c => c.HomeId);
        b.HasIndex(c => c.HomeId);
        b.HasIndex(c => c.AppUserId);
        b.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        b.Property(c => c.ProtectedCode).HasMaxLength(512);
        b.Property(c => c.LockState).HasMaxLength(16);
    }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Sessions.Session>
{
    public void Configure(EntityTypeBuilder<Sessions.Session> b)
    {
        b.HasIndex(s => s.UserId);
        // The revocation poller reads what was revoked since its last look.
        b.HasIndex(s => s.RevokedAt);
        b.Property(s => s.RevokedReason).HasMaxLength(Sessions.Session.MaxReasonLength);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> b)
    {
        b.HasOne<Home>().WithMany().HasForeignKey(i => i.HomeId);
        b.HasIndex(i => i.CodeHash).IsUnique();
        b.Property(i => i.CodeHash).HasMaxLength(64);
    }
}

internal sealed class PushSubscriptionConfiguration : IEntityTypeConfiguration<Notifications.PushSubscriptionRecord>
{
    public void Configure(EntityTypeBuilder<Notifications.PushSubscriptionRecord> b)
    {
        b.ToTable("PushSubscriptions");
        b.HasIndex(s => s.Endpoint).IsUnique();
        b.HasIndex(s => s.UserId);
        // A deleted account takes its devices' subscriptions with it.
        b.HasOne<AppUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        b.Property(s => s.Endpoint).HasMaxLength(Notifications.PushSubscriptionRecord.MaxEndpointLength);
        b.Property(s => s.P256dh).HasMaxLength(200);
        b.Property(s => s.Auth).HasMaxLength(100);
    }
}

internal sealed class NotificationPreferencesConfiguration : IEntityTypeConfiguration<Notifications.NotificationPreferences>
{
    public void Configure(EntityTypeBuilder<Notifications.NotificationPreferences> b)
    {
        b.HasKey(p => p.UserId);
        b.HasOne<AppUser>().WithMany().HasForeignKey(p => p.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
