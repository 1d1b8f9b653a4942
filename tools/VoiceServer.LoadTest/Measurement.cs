namespace VoiceServer.LoadTest;

/// <summary>One measured step: a relay under test, played by one provider's callers, at a number of concurrent calls.</summary>
internal sealed record Measurement(
    string Relay,
    string Provider,
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

    /// <summary>The relay, and the provider when it is not Twilio's caller (the floor and Node speak only Twilio's).</summary>
    public string Label => Provider == CallerProtocol.Twilio.Name ? Relay : $"{Relay}/{Provider}";
}
