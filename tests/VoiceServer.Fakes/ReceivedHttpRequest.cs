namespace VoiceServer.Fakes;

/// <summary>One request as the receiver saw it.</summary>
public sealed record ReceivedHttpRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredStatus);
