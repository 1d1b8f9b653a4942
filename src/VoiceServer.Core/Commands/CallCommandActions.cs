namespace VoiceServer.Commands;

/// <summary>What an operator (or, for a verdict, the main app itself) may do to a live call.</summary>
public static class CallCommandActions
{
    /// <summary>End the call now, through the telephony API (or by closing its stream when the call has none).</summary>
    public const string HangUp = "hangup";

    /// <summary>Move the caller to another number through the telephony API; the agent leaves the call.</summary>
    public const string Transfer = "transfer";

    /// <summary>Have the agent say a message, once, after its current response.</summary>
    public const string Say = "say";

    /// <summary>
    /// Twilio's answering-machine verdict for an outbound call that awaits one: the agent starts the conversation, or
    /// follows its voicemail policy. Sent by the main app when Twilio's AMD callback arrives.
    /// </summary>
    public const string AnsweredBy = "answered_by";

    public static bool IsKnown(string action) => action is HangUp or Transfer or Say or AnsweredBy;
}
