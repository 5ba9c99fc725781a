namespace Threshold.Domain.Deliveries;

/// <summary>Input validation for <see cref="Delivery.Schedule"/>, kept apart so the aggregate reads as its lifecycle.</summary>
internal static class DeliveryRules
{
    public const int MaxPackages = 50;
    public const int MaxBarcodeLength = 128;
    public const int MaxExternalRefLength = 128;

    public static List<string> ValidPackages(IEnumerable<string>? packages)
    {
        var list = packages?.ToList();
        if (list is null || list.Count is 0 or > MaxPackages)
        {
            throw new DomainException(DomainErrorCodes.InvalidPackages, $"A delivery needs 1–{MaxPackages} packages.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var barcode in list)
        {
            if (!IsValidBarcode(barcode))
            {
                throw new DomainException(
                    DomainErrorCodes.InvalidPackages,
                    $"Each barcode must be 1–{MaxBarcodeLength} printable ASCII characters without surrounding spaces.");
            }

            if (!seen.Add(barcode))
            {
                throw new DomainException(DomainErrorCodes.InvalidPackages, "Duplicate barcode.");
            }
        }

        return list;
    }

    /// <remarks>
    /// Printable ASCII only: scans are later compared ordinally, and Unicode would let two
    /// visually identical barcodes (composed vs decomposed forms) fail to match. Surrounding
    /// spaces are refused for the same reason — scanners and keyboards disagree about them.
    /// </remarks>
    public static bool IsValidBarcode(string? barcode) =>
        barcode is { Length: > 0 and <= MaxBarcodeLength }
        && barcode.All(c => c is >= ' ' and <= '~')
        && barcode[0] != ' ' && barcode[^1] != ' ';

    public static string ValidExternalRef(string? externalRef)
    {
        if (string.IsNullOrWhiteSpace(externalRef)
            || externalRef.Length > MaxExternalRefLength
            || externalRef.Any(char.IsControl))
        {
            throw new DomainException(
                DomainErrorCodes.InvalidExternalRef,
                $"The external reference must be 1–{MaxExternalRefLength} characters without control characters.");
        }

        return externalRef;
    }

    public static void ValidateWindow(DateTimeOffset start, DateTimeOffset end, DateTimeOffset now, TimeSpan maxWindow)
    {
        if (start >= end)
        {
            throw new DomainException(DomainErrorCodes.InvalidWindow, "The window must start before it ends.");
        }

        if (end - start > maxWindow)
        {
            throw new DomainException(DomainErrorCodes.WindowTooLong, $"The window may last at most {maxWindow}.");
        }

        if (end <= now)
        {
            throw new DomainException(DomainErrorCodes.WindowInPast, "The window has already ended.");
        }
    }
}
