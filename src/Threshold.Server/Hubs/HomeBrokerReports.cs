using System.Collections.Concurrent;
using Threshold.Protocol.Messages;

namespace Threshold.Server.Hubs;

/// <summary>
/// What each hub last said of its home broker (<c>homeBroker</c> in its retained <c>state</c>): whether clients other than
/// the hub get in there. Kept in memory: the state is retained on the broker, so after a restart each hub's comes again
/// with the first subscription. The last will (<c>{"online":false}</c>) says nothing of it and leaves it as it was.
/// </summary>
internal sealed class HomeBrokerReports
{
    private readonly ConcurrentDictionary<Guid, string> byHub = new();

    public void Reported(Guid hubId, HubStateReport state)
    {
        if (state.Online)
        {
            byHub[hubId] = HomeBrokerStates.Read(state.HomeBroker);
        }
    }

    /// <summary>One of <see cref="HomeBrokerStates"/>.</summary>
    public string Of(Guid hubId) => byHub.GetValueOrDefault(hubId, HomeBrokerStates.Unknown);
}
