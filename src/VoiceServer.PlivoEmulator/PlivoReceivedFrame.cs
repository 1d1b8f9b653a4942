namespace VoiceServer.PlivoEmulator;

/// <summary>One frame voice-server sent, as the fake understood it.</summary>
public sealed record PlivoReceivedFrame(string Event, string? Payload, string? CheckpointName);
