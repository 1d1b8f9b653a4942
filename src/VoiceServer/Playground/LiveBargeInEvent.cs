namespace VoiceServer.Playground;

/// <summary>Live view <c>bargein</c> event: the caller talked over the agent.</summary>
internal sealed record LiveBargeInEvent(int Count);
