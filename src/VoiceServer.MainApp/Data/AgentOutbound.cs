namespace VoiceServer.MainApp.Data;

/// <summary>
/// How an agent's outbound calls behave: what happens when an answering machine picks up, and how fast the agent may
/// dial, so a runaway script cannot place a thousand calls.
/// </summary>
/// <param name="VoicemailPolicy"><see cref="HangUp"/> or <see cref="LeaveMessage"/>.</param>
/// <param name="VoicemailMessage">What the agent says after the beep, with <see cref="LeaveMessage"/>.</param>
/// <param name="CallsPerMinute">Outbound calls placed in any 60 seconds, at most.</param>
/// <param name="MaxConcurrentCalls">Outbound calls in progress at once, at most.</param>
internal sealed record AgentOutbound(string VoicemailPolicy, string? VoicemailMessage, int CallsPerMinute, int MaxConcurrentCalls)
{
    /// <summary>On a machine, end the call at once.</summary>
    public const string HangUp = "hangup";

    /// <summary>On a machine, wait for the beep, say <see cref="VoicemailMessage"/> once, then end the call.</summary>
    public const string LeaveMessage = "leave_message";

    /// <summary>Enough for a person working a list by hand; a script that needs more asks for it.</summary>
    public const int DefaultCallsPerMinute = 10;

    public const int DefaultMaxConcurrentCalls = 5;

    /// <summary>One a second: beyond that a list is better placed by a dialler built for it.</summary>
    public const int MaxCallsPerMinute = 60;

    public const int MaxMaxConcurrentCalls = 100;

    /// <summary>A new agent's: hang up on machines, the default limits.</summary>
    public static AgentOutbound Default { get; } = new(HangUp, null, DefaultCallsPerMinute, DefaultMaxConcurrentCalls);

    public static bool IsKnownPolicy(string? policy) => policy is HangUp or LeaveMessage;
}
