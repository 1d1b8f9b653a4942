namespace VoiceServer.Simulator.Scenarios;

/// <summary>How the caller's Realtime session is opened and configured.</summary>
/// <param name="Url">The Realtime WebSocket URL, <c>?model=</c> included (OpenAI's, or the local emulator's).</param>
/// <param name="ApiKey">Sent as a Bearer token when set; never printed.</param>
/// <param name="Instructions">The persona, the goal and any script, as <see cref="CallerInstructions"/> writes them.</param>
/// <param name="Voice">The caller's voice.</param>
/// <param name="TranscriptionModel">Transcribes the agent's audio as the caller hears it.</param>
internal sealed record CallerSessionSettings(Uri Url, string? ApiKey, string Instructions, string Voice, string TranscriptionModel);
