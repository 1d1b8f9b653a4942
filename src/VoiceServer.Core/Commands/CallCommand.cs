namespace VoiceServer.Commands;

/// <summary>
/// An operator's command for one live call, sent by the main app to whichever voice-server instance holds the call
/// (docs/main-app.md#live-calls). Signed as a whole with <see cref="CallCommandSignature"/>; <paramref name="Id"/> is
/// used once, <paramref name="IssuedAt"/> (Unix seconds) bounds how long it may be used at all.
/// </summary>
/// <param name="Id">Unique per command: a second use of it, on any instance, is refused.</param>
/// <param name="CallSid">The provider's id of the call (Twilio's CallSid); must be the call the command is delivered for.</param>
/// <param name="Action">One of <see cref="CallCommandActions"/>.</param>
/// <param name="IssuedAt">When the main app issued it, in Unix seconds.</param>
/// <param name="To">The E.164 number of a transfer.</param>
/// <param name="Text">What the agent says, for <see cref="CallCommandActions.Say"/>.</param>
/// <param name="ReplyTo">The Redis channel the acknowledgement goes to (Redis transport only).</param>
/// <param name="AnsweredBy">Twilio's answering-machine verdict, for <see cref="CallCommandActions.AnsweredBy"/>.</param>
public sealed record CallCommand(string Id, string CallSid, string Action, long IssuedAt, string? To = null, string? Text = null, string? ReplyTo = null, string? AnsweredBy = null);
