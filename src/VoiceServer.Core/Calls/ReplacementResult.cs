namespace VoiceServer.Calls;

/// <summary>How a replacement ended: the last attempt's outcome, how many were made, and the last problem.</summary>
internal readonly record struct ReplacementResult(ReplacementAttempt Outcome, int Attempts, string Problem);
