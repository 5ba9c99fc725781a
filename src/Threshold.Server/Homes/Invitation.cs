namespace Threshold.Server.Homes;

/// <summary>
/// A one-time invitation to join a household as a member. Only the code's hash is kept; the owner passes the code on
/// (it is shown once), and whoever signs in with it becomes a member — so inviting never reveals whether an e-mail has
/// an account.
/// </summary>
internal sealed class Invitation
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(3);

    private Invitation()
    {
    }

    public Guid Id { get; private set; }
    public Guid HomeId { get; private set; }
    public string CodeHash { get; private set; } = "";
    public Guid InvitedBy { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? AcceptedAt { get; private set; }
    public Guid? AcceptedBy { get; private set; }

    public static Invitation Create(Guid homeId, string codeHash, Guid invitedBy, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        HomeId = homeId,
        CodeHash = codeHash,
        InvitedBy = invitedBy,
        ExpiresAt = now + Lifetime,
    };

    public bool IsOpen(DateTimeOffset now) => AcceptedAt is null && ExpiresAt > now;

    public void Accept(Guid userId, DateTimeOffset now)
    {
        if (!IsOpen(now))
        {
            throw new InvalidOperationException("This invitation is used or expired.");
        }

        AcceptedAt = now;
        AcceptedBy = userId;
    }
}
