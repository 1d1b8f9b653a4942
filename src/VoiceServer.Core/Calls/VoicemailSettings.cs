namespace VoiceServer.Calls;

/// <summary>
/// An outbound call placed with answering-machine detection: it awaits Twilio's verdict before the agent speaks, and
/// on a machine follows <see cref="Policy"/>. Set only by a configuration signed for the call (see <see cref="CallTrust"/>).
/// </summary>
/// <param name="Policy"><see cref="HangUp"/> or <see cref="LeaveMessage"/>.</param>
/// <param name="Message">What the agent says after the beep, with <see cref="LeaveMessage"/>.</param>
public sealed record VoicemailSettings(string Policy, string? Message)
{
    /// <summary>On a machine, hang up through the telephony API.</summary>
    public const string HangUp = "hangup";

    /// <summary>On a machine, say <see cref="Message"/> once after the beep, then end the call.</summary>
    public const string LeaveMessage = "leave_message";

    public static bool IsKnownPolicy(string? policy) => policy is HangUp or LeaveMessage;
}
