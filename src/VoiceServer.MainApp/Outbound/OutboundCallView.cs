namespace VoiceServer.MainApp.Outbound;

/// <summary>A call placed: Twilio's CallSid, by which its record, live-call commands and callbacks name it.</summary>
internal sealed record OutboundCallView(string CallSid, string AgentId, string To, string From);
