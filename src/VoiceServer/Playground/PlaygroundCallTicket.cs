namespace VoiceServer.Playground;

/// <summary><c>POST /api/playground/calls</c>: the ticket for one call and where to bring it.</summary>
internal sealed record PlaygroundCallTicket(string LiveViewId, string MediaStreamPath, int ExpiresInSeconds);
