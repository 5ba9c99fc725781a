using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Threshold.Domain.Deliveries;
using Threshold.Server.Accounts;
using Threshold.Server.Audit;
using Threshold.Server.Carriers;
using Threshold.Server.Auth;
using Threshold.Server.Homes;

namespace Threshold.Server.Data;

internal sealed class ThresholdDbContext(DbContextOptions<ThresholdDbContext> options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options)
{
    /// <summary>Where this context's write transactions go (<see cref="WriteScope"/>); null at design time.</summary>
    public SqliteWriter? Writer => options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<SqliteWriter>();

    public DbSet<Home> Homes => Set<Home>();
    public DbSet<HomeMember> HomeMembers => Set<HomeMember>();
    public DbSet<DoorLock> Locks => Set<DoorLock>();
    public DbSet<Carrier> Carriers => Set<Carrier>();
    public DbSet<CarrierEnrolment> Enrolments => Set<CarrierEnrolment>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Hubs.Hub> Hubs => Set<Hubs.Hub>();
    public DbSet<Hubs.PairingCode> PairingCodes => Set<Hubs.PairingCode>();
    public DbSet<Threshold.Domain.Grants.Grant> Grants => Set<Threshold.Domain.Grants.Grant>();
    public DbSet<Keypad.Credential> Credentials => Set<Keypad.Credential>();
    public DbSet<Sessions.Session> Sessions => Set<Sessions.Session>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Notifications.PushSubscriptionRecord> PushSubscriptions => Set<Notifications.PushSubscriptionRecord>();
    public DbSet<Notifications.NotificationPreferences> NotificationPreferences => Set<Notifications.NotificationPreferences>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot compare or order DateTimeOffset stored as text; store UTC ticks instead.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ThresholdDbContext).Assembly);
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));
}
