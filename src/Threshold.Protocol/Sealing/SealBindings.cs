using System.Globalization;
using System.Text;
using Threshold.Protocol.Topics;

namespace Threshold.Protocol.Sealing;

/// <summary>
/// The associated data each sealed secret is bound to (<see cref="Sealer"/>), so a blob opened anywhere but where it
/// was meant fails: a credential set sealed for one hub and version cannot be replayed to another hub or as another version.
/// </summary>
public static class SealBindings
{
    /// <summary><c>thr-credentials/{hubId}/{version}</c>, the hub id in its one spelling (<see cref="HubIds"/>).</summary>
    public static byte[] CredentialSet(Guid hubId, long version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        return Encoding.UTF8.GetBytes("thr-credentials/" + HubIds.ToWire(hubId) + "/" + version.ToString(CultureInfo.InvariantCulture));
    }
}
