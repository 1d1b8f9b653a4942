namespace VoiceServer.LoadTest;

/// <summary>The echo peer's figures since the last reset (NaN: no sample).</summary>
internal sealed record EchoStats(double CallerToModelP50Ms, double CallerToModelP90Ms, double CallerToModelP99Ms, double CallerToModelMaxMs, long FirstFrames, double FirstFrameP50Ms, double FirstFrameP99Ms);
