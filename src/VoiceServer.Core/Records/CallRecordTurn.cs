using VoiceServer.Conversation;

namespace VoiceServer.Records;

/// <summary>
/// One turn as the record shows it: what the caller heard of the agent, interrupted turns marked, key presses
/// (<see cref="Keypad"/>) told apart from speech.
/// </summary>
public sealed record CallRecordTurn(Speaker Speaker, string? Text, DateTimeOffset StartedAt, bool Interrupted, bool Keypad = false);
