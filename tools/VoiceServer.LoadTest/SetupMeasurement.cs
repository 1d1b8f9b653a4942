namespace VoiceServer.LoadTest;

/// <summary>
/// Call set-up, from probe calls made alone (<see cref="LiveCalls"/> 0) or during a step: upgrade → first caller frame
/// at the Realtime socket, and what the server adds to it beyond the peer's handshake and session exchange.
/// </summary>
internal sealed record SetupMeasurement(
    string Relay,
    string Provider,
    int LiveCalls,
    int Probes,
    int FailedProbes,
    double UpgradeP50Ms,
    double UpgradeToFirstFrameP50Ms,
    double ServerAddedP50Ms,
    double ServerAddedP99Ms,
    double ServerAddedMaxMs,
    double PeerP50Ms,
    double ToConnectP50Ms,
    double ToSessionUpdateP50Ms,
    double ToFirstFrameP50Ms,
    long FramesSent,
    long FramesLost,
    long FramesOutOfOrder)
{
    /// <summary>The relay, and the provider when it is not Twilio's caller.</summary>
    public string Label => Provider == CallerProtocol.Twilio.Name ? Relay : $"{Relay}/{Provider}";
}
