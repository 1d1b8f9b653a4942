namespace VoiceServer.MainApp.LiveCalls;

/// <summary>What the operator gets back: the call, the command, and the holding instance's own words.</summary>
internal sealed record CommandResultView(string CallSid, string Action, string Outcome, string Detail);
