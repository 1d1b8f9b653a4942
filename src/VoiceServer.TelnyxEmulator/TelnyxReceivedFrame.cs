namespace VoiceServer.TelnyxEmulator;

/// <summary>One frame voice-server sent, as the fake understood it.</summary>
public sealed record TelnyxReceivedFrame(string Event, string? Payload, string? MarkName);
