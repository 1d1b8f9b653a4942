namespace VoiceServer.Commands;

/// <summary>
/// The answer of the instance that holds (or was asked about) a call: the command's id, the call, the outcome's
/// name (<see cref="CallCommandOutcomes.ToName"/>) and a sentence for the operator. Never holds a secret.
/// </summary>
public sealed record CallCommandAck(string Id, string CallSid, string Outcome, string Detail);
