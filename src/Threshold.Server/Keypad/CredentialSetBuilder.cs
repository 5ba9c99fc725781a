using Threshold.Domain.Grants;
using Threshold.Domain.Schedules;
using Threshold.Protocol.Credentials;
using Threshold.Server.Data;
using Threshold.Server.Homes;

namespace Threshold.Server.Keypad;

/// <summary>
/// Builds the complete credential set a home's hub must hold (docs/hub-protocol.md "Credentials on the hub"): the codes
/// <see cref="HeldCredentials"/> selects, with the home's lockout.
/// </summary>
internal sealed class CredentialSetBuilder(ThresholdDbContext db, CodeVault vault)
{
    public async Task<CredentialSetDocument> BuildAsync(Home home, CancellationToken ct)
    {
        var list = (await HeldCredentials.ForHomeAsync(db, home.Id, ct)).Select(held => held switch
        {
            { Grant: { } grant } => Entry(held.Credential, Kind(grant.Kind), grant.Schedule, grant.MaxEntries, grant.EntriesUsed),
            { Delivery: { } delivery } => Entry(held.Credential, CredentialKinds.Delivery, new OnceSchedule(delivery.WindowStart, delivery.WindowEnd), 1, 0),
            _ => throw new InvalidOperationException("A held credential belongs to a grant or a delivery."),
        }).ToList();

        return new CredentialSetDocument(
            home.CredentialVersion,
            home.TimeZone,
            new LockoutDocument(home.LockoutActive, home.LockoutUntil),
            KeypadPolicyDocument.Default,
            list);
    }

    private CredentialDocument Entry(Credential c, string kind, Schedule schedule, int? maxEntries, int entriesUsed) =>
        new(c.Id.ToString(), kind, vault.Reveal(c.ProtectedCode!), ScheduleDocument.Of(schedule), maxEntries, entriesUsed);

    private static string Kind(GrantKind kind) => kind switch
    {
        GrantKind.Guest => CredentialKinds.Guest,
        GrantKind.Service => CredentialKinds.Service,
        GrantKind.Delivery => CredentialKinds.Delivery,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a credential kind."),
    };
}
