namespace VoiceServer.MainApp.Data;

/// <summary>A number that reaches an agent, and the provider whose webhook it arrives through.</summary>
internal sealed record PhoneNumber(string Number, PhoneProvider Provider);
