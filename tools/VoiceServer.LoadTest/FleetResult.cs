namespace VoiceServer.LoadTest;

/// <summary>What one fleet run measured.</summary>
internal sealed record FleetResult(
    int Calls,
    int FailedCalls,
    long FramesSent,
    long FramesLost,
    long FramesLostInFirstSecond,
    long CrossTalk,
    long LateSends,
    LatencyHistogram RoundTrip,
    LatencyHistogram ModelToCaller,
    string? FirstFailure);
