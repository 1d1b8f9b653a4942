namespace VoiceServer.Playground;

/// <summary>Live view <c>speech</c> event: the caller's VAD, or the agent's replies starting and ending.</summary>
internal sealed record LiveSpeechEvent(string Speaker, string State);
