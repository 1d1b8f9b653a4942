namespace VoiceServer.Commands;

/// <summary>What a call made of an operator's command, with a sentence for the operator.</summary>
public readonly record struct CallCommandResult(CallCommandOutcome Outcome, string Detail);
