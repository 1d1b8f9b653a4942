namespace VoiceServer.Playback;

/// <summary>What a barge-in must do, in order: clear the caller, maybe cancel, then truncate.</summary>
public sealed record BargeInPlan(bool CancelResponse, IReadOnlyList<Truncation> Truncations);
