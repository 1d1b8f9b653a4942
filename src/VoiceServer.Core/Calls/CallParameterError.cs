namespace VoiceServer.Calls;

/// <summary>A configuration problem, naming the field. The message never contains a secret.</summary>
public sealed record CallParameterError(string Field, string Message);
