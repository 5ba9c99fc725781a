using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain;
using Threshold.Domain.Grants;
using Threshold.Protocol.Credentials;
using Threshold.Server.Data;

namespace Threshold.Server.Keypad;

/// <summary>
/// Where keypad codes are kept: encrypted with the server's data-protection key, because every re-sync sends them to
/// the hub again (sealed), and shown only to the person a code is for. New codes are chosen here against the codes the
/// home's lock already holds; what a code may be is the pure rule in <c>Threshold.Domain/Grants/KeypadCodes.cs</c>.
/// </summary>
internal sealed class CodeVault(ThresholdDbContext db, IDataProtectionProvider protection)
{
    public const string Purpose = "Threshold.KeypadCodes";

    /// <summary>The <see cref="DomainException.Code"/> for a code that would not fit on the lock (a 409).</summary>
    public const string Full = "keypad_full";
    private readonly IDataProtector protector = protection.CreateProtector(Purpose);

    public string Protect(string code) => protector.Protect(code);

    public string Reveal(string protectedCode) => protector.Unprotect(protectedCode);

    /// <summary>
    /// The requested code, or a generated one, checked against the home's codes in use and against the lock's room.
    /// Call it inside the write that stores the code: the one writer runs writes one after another, so two codes issued
    /// at once can neither collide nor both take the last slot.
    /// </summary>
    /// <exception cref="DomainException">The requested code breaks a rule or is taken, or (<see cref="Full"/>) the
    /// lock holds as many codes as the credential set may carry: one more would make every later sync of the home
    /// fail, revocations and lockouts included (Keypad/CredentialSync.cs).</exception>
    public async Task<string> IssueAsync(Guid homeId, string? requested, int length, CancellationToken ct)
    {
        if ((await HeldCredentials.ForHomeAsync(db, homeId, ct)).Count >= CredentialSetDocument.MaxCredentials)
        {
            throw new DomainException(Full,
                $"The lock holds {CredentialSetDocument.MaxCredentials} keypad codes, all it has room for; revoke one first.");
        }

        var inUse = await CodesInUseAsync(homeId, ct);
        var code = requested ?? KeypadCodes.Generate(length, inUse);
        KeypadCodes.Validate(code, length, inUse);
        return code;
    }

    /// <summary>Codes currently held for this home's lock (for collision checks).</summary>
    private async Task<List<string>> CodesInUseAsync(Guid homeId, CancellationToken ct) =>
        (await db.Credentials.AsNoTracking().Where(c => c.HomeId == homeId && c.Active && c.ProtectedCode != null)
            .Select(c => c.ProtectedCode!).ToListAsync(ct)).Select(Reveal).ToList();
}
