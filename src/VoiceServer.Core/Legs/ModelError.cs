namespace VoiceServer.Legs;

/// <summary>An error event from the model. Messages come from the provider and never contain our key.</summary>
public sealed record ModelError(string? Type, string? Code, string? Message, string? Param, string? EventId);
