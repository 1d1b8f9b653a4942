namespace VoiceServer.Calls;

/// <summary>How a call ended: the reason, a short human-readable detail (never a secret) and its duration.</summary>
public sealed record CallOutcome(CallEndReason Reason, string Detail, TimeSpan Duration);
