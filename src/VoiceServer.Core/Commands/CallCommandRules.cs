using System.Diagnostics.CodeAnalysis;
using VoiceServer.Calls;

namespace VoiceServer.Commands;

/// <summary>What makes a command well formed, checked by the main app before it sends one and again by the voice server.</summary>
public static class CallCommandRules
{
    /// <summary>A message to say: a few sentences. Long enough for a notice, short enough to be said in one turn.</summary>
    public const int MaxTextLength = 1000;

    /// <summary>A command id: 16-64 letters, digits, <c>-</c> and <c>_</c> (the main app uses a GUID).</summary>
    public static bool IsValidId(string? id) =>
        id is { Length: >= 16 and <= 64 } && id.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The number of a transfer: E.164, as the agent's own transfers.</summary>
    public static bool IsValidNumber([NotNullWhen(true)] string? number) => number is not null && CallParameters.IsE164(number);

    /// <summary>A message to say: 1-<see cref="MaxTextLength"/> characters, not only spaces, no control characters.</summary>
    public static bool IsValidText([NotNullWhen(true)] string? text) =>
        text is { Length: > 0 and <= MaxTextLength } && !string.IsNullOrWhiteSpace(text) && !text.Any(char.IsControl);

    /// <summary>Null when <paramref name="command"/> is well formed; otherwise the field at fault and why.</summary>
    public static (string Field, string Problem)? Check(CallCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!IsValidId(command.Id))
        {
            return ("id", "id must be 16-64 letters, digits, - or _.");
        }

        if (!CallCommandChannels.IsValidCallSid(command.CallSid))
        {
            return ("callSid", "callSid must be 1-128 letters, digits, _, -, . or :.");
        }

        return command.Action switch
        {
            CallCommandActions.HangUp => null,
            CallCommandActions.Transfer when !IsValidNumber(command.To) => ("to", "to must be an E.164 number, e.g. +15557654321."),
            CallCommandActions.Transfer => null,
            CallCommandActions.Say when !IsValidText(command.Text) => ("text", $"text must be 1-{MaxTextLength} characters, without control characters."),
            CallCommandActions.Say => null,
            CallCommandActions.AnsweredBy when !Calls.AnsweredBy.IsKnown(command.AnsweredBy) => ("answeredBy", "answeredBy must be one of Twilio's AnsweredBy values."),
            CallCommandActions.AnsweredBy => null,
            _ => ("action", "action must be hangup, transfer, say or answered_by."),
        };
    }
}
