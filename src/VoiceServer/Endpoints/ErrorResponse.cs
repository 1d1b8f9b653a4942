namespace VoiceServer.Endpoints;

/// <summary>The JSON body of a refused media-stream request. <c>Field</c> names the bad parameter, if any.</summary>
internal sealed record ErrorResponse(string Error, string Message, string? Field = null);
