namespace VoiceServer.Handoffs;

/// <summary>Fetches a handoff destination's configuration from the main app, signed for the call.</summary>
public interface IHandoffFetcher
{
    /// <summary>
    /// The configuration of <paramref name="toAgentId"/> for call <paramref name="callSid"/>, handed from
    /// <paramref name="fromAgentId"/>, from <paramref name="url"/> (the call's <c>handoffUrl</c>); or null with why not
    /// (unknown to the main app, unreachable, a token that does not pass).
    /// </summary>
    Task<(HandoffTarget? Target, string? Problem)> FetchAsync(Uri url, string callSid, string fromAgentId, string toAgentId, CancellationToken cancellationToken);
}
