namespace Threshold.Server.Data;

/// <summary>
/// Something that must follow from a committed write, whoever wrote it (e.g. the hub's credential set is resent
/// when a grant changed: <c>Keypad/CredentialSetChanges.cs</c>). <see cref="SqliteWriter"/> asks every registered
/// consequence about each write's tracked changes just before saving them, and runs what they return only after the
/// transaction holding the write has committed; a write that fails or rolls back with its savepoint runs nothing.
/// </summary>
internal interface IWriteConsequence
{
    /// <summary>
    /// Runs inside the write's transaction, after its work and before its changes are saved: looks at
    /// <c>db.ChangeTracker</c> and returns what to do once they are committed, or null when this write needs nothing.
    /// It may add entities of its own to <paramref name="db"/> (an outbox row: Webhooks/WebhookOutbox.cs): they are saved
    /// and committed with the write, or undone with it.
    /// The action runs on the writer's loop, so it must be quick and must not write (hand work to a channel).
    /// </summary>
    ValueTask<Action?> StageAsync(ThresholdDbContext db, CancellationToken ct);
}
