using VoiceServer.Conversation;

namespace VoiceServer.Records;

/// <summary>
/// One turn as the record shows it: what the caller heard of the agent, interrupted turns marked, key presses
/// (<see cref="Keypad"/>) told apart from speech, and <see cref="AgentId"/>: the agent that spoke it, or for the caller's
/// turns the agent holding the call when the turn began (null only before the call's configuration was known).
/// </summary>
public sealed record CallRecordTurn(Speaker Speaker, string? Text, DateTimeOffset StartedAt, bool Interrupted, bool Keypad = false, string? AgentId = null);
