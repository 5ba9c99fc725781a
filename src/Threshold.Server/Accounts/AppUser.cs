using Microsoft.AspNetCore.Identity;

namespace Threshold.Server.Accounts;

internal enum UserKind
{
    Resident,
    Courier,
}

internal sealed class AppUser : IdentityUser<Guid>
{
    public string Name { get; set; } = "";
    public UserKind Kind { get; set; }

    /// <summary>Set for couriers: the carrier that manages them.</summary>
    public Guid? CarrierId { get; set; }
}
