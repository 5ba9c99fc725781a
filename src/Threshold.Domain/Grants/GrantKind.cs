namespace Threshold.Domain.Grants;

public enum GrantKind
{
    Guest,
    Service,
    Delivery,
}
