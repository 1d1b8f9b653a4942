namespace VoiceServer.LoadTest;

/// <summary>
/// One probe call's set-up as the peer saw it. The peer's own share, what a real provider would spend, is the
/// handshake (request to accept) and the session exchange (<c>session.update</c> in to <c>session.updated</c> out).
/// </summary>
internal sealed record SetupTrace(int Call, long UpgradeRequested, long Accepted, long SessionUpdateReceived, long SessionUpdatedSent, long FirstFrameArrived)
{
    public long PeerTicks => (Accepted - UpgradeRequested) + (SessionUpdatedSent - SessionUpdateReceived);
}
