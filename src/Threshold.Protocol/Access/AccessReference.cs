using System.Diagnostics.CodeAnalysis;

namespace Threshold.Protocol.Access;

/// <summary>On whose behalf a door command is sent.</summary>
public enum AccessKind
{
    /// <summary>A courier's entry for a delivery: <c>delivery:{deliveryId}</c>.</summary>
    Delivery,

    /// <summary>A guest's or service's app unlock under a grant: <c>grant:{grantId}</c>.</summary>
    Grant,

    /// <summary>A resident's own remote lock/unlock: <c>resident:{userId}</c>.</summary>
    Resident,
}

/// <summary>
/// The <c>reference</c> argument of <c>unlock</c>/<c>lock</c>, echoed in <c>command_executed</c>: "{kind}:{id}" with the
/// id as a GUID in its "D" form. The hub needs the kind (lockout stops everyone but residents); the server needs the id
/// back to match the hub's record of an unlock to the delivery it was for.
/// </summary>
public readonly record struct AccessReference(AccessKind Kind, Guid Id)
{
    public static AccessReference Delivery(Guid deliveryId) => new(AccessKind.Delivery, deliveryId);

    public static AccessReference Grant(Guid grantId) => new(AccessKind.Grant, grantId);

    public static AccessReference Resident(Guid userId) => new(AccessKind.Resident, userId);

    /// <summary>
    /// Lockout suspends every access that is not a resident's own (docs/hub-protocol.md "Credentials on the hub").
    /// A hub that cannot parse a reference should treat it as subject to lockout too.
    /// </summary>
    public bool SubjectToLockout => Kind != AccessKind.Resident;

    public override string ToString() => Prefix(Kind) + Id.ToString("D");

    public static bool TryParse([NotNullWhen(true)] string? text, out AccessReference reference)
    {
        reference = default;
        if (text is null)
        {
            return false;
        }

        foreach (var kind in (ReadOnlySpan<AccessKind>)[AccessKind.Delivery, AccessKind.Grant, AccessKind.Resident])
        {
            var prefix = Prefix(kind);
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                var id = text.AsSpan(prefix.Length);
                if (id.Length == 36 && Guid.TryParseExact(id, "D", out var guid) && id.SequenceEqual(guid.ToString("D")))
                {
                    reference = new AccessReference(kind, guid);
                    return true;
                }

                return false;
            }
        }

        return false;
    }

    private static string Prefix(AccessKind kind) => kind switch
    {
        AccessKind.Delivery => "delivery:",
        AccessKind.Grant => "grant:",
        AccessKind.Resident => "resident:",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an access kind."),
    };
}
