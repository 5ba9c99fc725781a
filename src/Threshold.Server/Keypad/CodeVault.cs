using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Threshold.Domain.Grants;
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
    private readonly IDataProtector protector = protection.CreateProtector(Purpose);

    public string Protect(string code) => protector.Protect(code);

    public string Reveal(string protectedCode) => protector.Unprotect(protectedCode);

    /// <summary>
    /// The requested code, or a generated one, checked against the home's codes in use. Call it inside the write that
    /// stores the code: the one writer runs writes one after another, so two codes issued at once cannot collide.
    /// </summary>
    /// <exception cref="Threshold.Domain.DomainException">The requested code breaks a rule or is taken.</exception>
    public async Task<string> IssueAsync(Guid homeId, string? requested, int length, CancellationToken ct)
    {
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
