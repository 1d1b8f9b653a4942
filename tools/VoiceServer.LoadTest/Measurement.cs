namespace VoiceServer.LoadTest;

/// <summary>One measured step: a relay under test at a number of concurrent calls.</summary>
internal sealed record Measurement(
    string Relay,
    int Calls,
    int FailedCalls,
    long FramesSent,
    long FramesLost,
    long FramesLostInFirstSecond,
    long CrossTalk,
    double RoundTripP50Ms,
    double RoundTripP90Ms,
    double RoundTripP99Ms,
    double RoundTripMaxMs,
    double CallerToModelP50Ms,
    double CallerToModelP90Ms,
    double CallerToModelP99Ms,
    double CallerToModelMaxMs,
    double ModelToCallerP50Ms,
    double ModelToCallerP90Ms,
    double ModelToCallerP99Ms,
    double ModelToCallerMaxMs,
    double? ServerCpuMsPerCallMinute,
    double? ServerCpuPercentOfCore,
    double? ServerRssMiB,
    double? ServerRssKiBPerCall,
    double? ServerSwitchesPerFrame,
    double? FirstFrameP50Ms,
    double? FirstFrameP99Ms,
    double GeneratorCpuPercentOfCore,
    double? EchoCpuPercentOfCore,
    long GeneratorLateSends,
    string? FirstFailure)
{
    public bool Clean => FailedCalls == 0 && FramesLost == 0 && CrossTalk == 0;
}
