namespace VoiceServer.LoadTest;

/// <summary>What one probe call saw: when its upgrade began, and what came back of the audio it sent from the first instant.</summary>
internal sealed record ProbeCall(int Call, long UpgradeStarted, long Upgraded, int FramesSent, int FramesReceived, int OutOfOrder, bool Failed);
