namespace Threshold.Domain.Deliveries;

/// <summary>
/// A carrier's single-entry visit to a home (DESIGN.md §2). State changes only through the
/// intention-named methods below; each refuses an invalid transition with <c>invalid_transition</c>
/// and bumps <see cref="Version"/>, which the server uses as its optimistic-concurrency token so
/// two nodes racing to consume the entry cannot both win.
/// </summary>
public sealed partial class Delivery
{
    // For EF Core materialisation only.
    private Delivery()
    {
        ExternalRef = string.Empty;
        PackageList = [];
    }

    public Guid Id { get; private set; }
    public Guid HomeId { get; private set; }
    public Guid CarrierId { get; private set; }
    public Guid EnrolmentId { get; private set; }
    public string ExternalRef { get; private set; }

    /// <summary>EF-mapped backing list for <see cref="Packages"/>; never mutated after scheduling.</summary>
    public List<string> PackageList { get; private set; }

    public IReadOnlyList<string> Packages => PackageList.AsReadOnly();
    public DateTimeOffset WindowStart { get; private set; }
    public DateTimeOffset WindowEnd { get; private set; }
    public Guid? CourierId { get; private set; }
    public DeliveryStatus Status { get; private set; }
    public string? FailureReason { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? ArrivedAt { get; private set; }
    public DateTimeOffset? EntryUsedAt { get; private set; }

    /// <summary>
    /// When the hub's own event stream showed the door actually unlocked for this delivery. Door and
    /// bolt reports count for the delivery only from then on: an older report still queued on the hub
    /// (say, "bolt locked" from before the unlock) must not complete a delivery whose door is open.
    /// </summary>
    public DateTimeOffset? EntryConfirmedAt { get; private set; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public DateTimeOffset UpdatedAt { get; private set; }
    public int Version { get; private set; }

    public bool IsTerminal => Status is DeliveryStatus.Completed or DeliveryStatus.Declined
        or DeliveryStatus.Cancelled or DeliveryStatus.Expired or DeliveryStatus.Failed;

    /// <summary>True once the single entry has been consumed; it can never be consumed again.</summary>
    public bool IsEntryUsed => EntryUsedAt is not null || Status is DeliveryStatus.Unlocked
        or DeliveryStatus.DoorOpened or DeliveryStatus.DoorClosed or DeliveryStatus.Locked or DeliveryStatus.Completed;

    /// <summary>Creates a delivery after validating the carrier's input.</summary>
    /// <exception cref="DomainException">
    /// <c>invalid_packages</c>, <c>invalid_external_ref</c>, <c>invalid_window</c>,
    /// <c>window_too_long</c> or <c>window_in_past</c>, checked in that order.
    /// </exception>
    public static Delivery Schedule(
        Guid id, Guid homeId, Guid carrierId, Guid enrolmentId, string externalRef, IEnumerable<string> packages,
        DateTimeOffset windowStart, DateTimeOffset windowEnd, DateTimeOffset now, TimeSpan maxWindow)
    {
        if (id == Guid.Empty || homeId == Guid.Empty || carrierId == Guid.Empty || enrolmentId == Guid.Empty)
        {
            throw new ArgumentException("Ids must not be empty.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxWindow, TimeSpan.Zero);
        var packageList = DeliveryRules.ValidPackages(packages);
        var reference = DeliveryRules.ValidExternalRef(externalRef);
        DeliveryRules.ValidateWindow(windowStart, windowEnd, now, maxWindow);

        return new Delivery
        {
            Id = id,
            HomeId = homeId,
            CarrierId = carrierId,
            EnrolmentId = enrolmentId,
            ExternalRef = reference,
            PackageList = packageList,
            WindowStart = windowStart,
            WindowEnd = windowEnd,
            Status = DeliveryStatus.Scheduled,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    /// <summary>
    /// (Re)assigns the courier. Allowed while Scheduled, or Arrived with nobody assigned; once an
    /// assigned courier has proven arrival, swapping them would hand that proof to someone else.
    /// </summary>
    public void AssignCourier(Guid courierId, DateTimeOffset now)
    {
        if (courierId == Guid.Empty)
        {
            throw new ArgumentException("Courier id must not be empty.", nameof(courierId));
        }

        Require(Status == DeliveryStatus.Scheduled || (Status == DeliveryStatus.Arrived && CourierId is null), "assign a courier");
        CourierId = courierId;
        Touch(now);
    }

    /// <summary>
    /// Marks the courier as at the door; a repeated arrival refreshes <see cref="ArrivedAt"/>. It keeps a question to the
    /// household that is still open and an approval already given; after an unanswered question timed out the courier
    /// stands at the door again unapproved, and may be asked about anew (<see cref="RequestApproval"/>).
    /// </summary>
    public void RecordArrival(DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.Scheduled or DeliveryStatus.Arrived or DeliveryStatus.AwaitingApproval, "record an arrival");
        if (Status == DeliveryStatus.AwaitingApproval && IsApprovalTimedOut(now))
        {
            ClearApproval();
            Status = DeliveryStatus.Arrived;
        }
        else if (Status != DeliveryStatus.AwaitingApproval)
        {
            Status = DeliveryStatus.Arrived;
        }

        ArrivedAt = now;
        Touch(now);
    }

    /// <summary>Uses the single entry. The server persists this with a conditional update on <see cref="Version"/>.</summary>
    public void ConsumeEntry(DateTimeOffset now)
    {
        if (EntryUsedAt is not null)
        {
            throw new DomainException(DomainErrorCodes.AlreadyUsed, "The delivery's entry has already been used.");
        }

        Require(Status == DeliveryStatus.Arrived, "unlock");
        Status = DeliveryStatus.Unlocked;
        EntryUsedAt = now;
        Touch(now);
    }

    /// <summary>The hub reported the unlock it carried out for this delivery; idempotent.</summary>
    public void ConfirmEntry(DateTimeOffset now)
    {
        if (EntryUsedAt is null)
        {
            throw new DomainException(DomainErrorCodes.InvalidTransition, "No entry was used, so none can be confirmed.");
        }

        if (EntryConfirmedAt is null)
        {
            EntryConfirmedAt = now;
            Touch(now);
        }
    }

    public void RecordDoorOpened(DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.Unlocked or DeliveryStatus.DoorClosed, "record the door opening");
        Status = DeliveryStatus.DoorOpened;
        Touch(now);
    }

    /// <summary>Closing after the bolt was already thrown (status Locked) completes the delivery.</summary>
    public void RecordDoorClosed(DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.DoorOpened or DeliveryStatus.Locked, "record the door closing");
        if (Status == DeliveryStatus.Locked)
        {
            Complete(now);
            return;
        }

        Status = DeliveryStatus.DoorClosed;
        Touch(now);
    }

    /// <summary>
    /// Bolt thrown. Completes when the door is known closed: it was closed after opening
    /// (DoorClosed), or never opened since the unlock (Unlocked — the hub's max-unlocked-time
    /// relock). With the door still open the delivery waits in Locked for the close.
    /// </summary>
    public void RecordLocked(DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.Unlocked or DeliveryStatus.DoorOpened or DeliveryStatus.DoorClosed, "record the lock");
        if (Status == DeliveryStatus.DoorOpened)
        {
            Status = DeliveryStatus.Locked;
            Touch(now);
            return;
        }

        Complete(now);
    }

    /// <summary>Resident refuses the delivery; only possible while nobody has entered.</summary>
    public void Decline(DateTimeOffset now) => EndBeforeEntry(DeliveryStatus.Declined, "decline", now);

    /// <summary>Carrier withdraws the delivery; only possible while nobody has entered.</summary>
    public void Cancel(DateTimeOffset now) => EndBeforeEntry(DeliveryStatus.Cancelled, "cancel", now);

    /// <summary>The window closed without an entry.</summary>
    public void Expire(DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.Scheduled or DeliveryStatus.Arrived or DeliveryStatus.AwaitingApproval && now >= WindowEnd, "expire");
        Status = DeliveryStatus.Expired;
        Touch(now);
    }

    /// <summary>Something went wrong (relock failed, hub lost, …); allowed from any non-terminal state.</summary>
    public void Fail(string reason, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Require(!IsTerminal, "fail");
        Status = DeliveryStatus.Failed;
        FailureReason = reason;
        Touch(now);
    }

    private void EndBeforeEntry(DeliveryStatus end, string action, DateTimeOffset now)
    {
        Require(Status is DeliveryStatus.Scheduled or DeliveryStatus.Arrived or DeliveryStatus.AwaitingApproval && EntryUsedAt is null, action);
        Status = end;
        Touch(now);
    }

    private void Complete(DateTimeOffset now)
    {
        Status = DeliveryStatus.Completed;
        CompletedAt = now;
        Touch(now);
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    private void Require(bool allowed, string action)
    {
        if (!allowed)
        {
            throw new DomainException(DomainErrorCodes.InvalidTransition, $"Cannot {action} a delivery that is {Status}.");
        }
    }
}
