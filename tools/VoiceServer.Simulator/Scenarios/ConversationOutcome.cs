namespace VoiceServer.Simulator.Scenarios;

/// <summary>How a simulated call ended.</summary>
public enum CallEnd
{
    /// <summary>The caller had its last turn and the agent answered it (or stayed silent for a while).</summary>
    TurnLimit,

    TimeLimit,

    /// <summary>The caller's model hung up (its <c>end_call</c> tool).</summary>
    CallerHungUp,

    /// <summary>The voice server closed the stream with 1000: the agent hung up or transferred, or a limit of the server ended the call.</summary>
    AgentHungUp,

    /// <summary>The call could not be placed or broke: see the outcome's error.</summary>
    Failed,

    Cancelled,
}

/// <summary>What one simulated call produced, before grading.</summary>
public sealed record ConversationOutcome
{
    public required CallEnd End { get; init; }

    /// <summary>Why the call failed, in words; null unless <see cref="End"/> is Failed or Cancelled.</summary>
    public string? Error { get; init; }

    public IReadOnlyList<TranscriptTurn> Transcript { get; init; } = [];

    public TimeSpan Duration { get; init; }

    public int CallerTurns { get; init; }

    /// <summary>The call ran and ended at a limit or a hang-up: the transcript is worth grading.</summary>
    public bool Completed => End is CallEnd.TurnLimit or CallEnd.TimeLimit or CallEnd.CallerHungUp or CallEnd.AgentHungUp;

    public static string Describe(CallEnd end) => end switch
    {
        CallEnd.TurnLimit => "turn limit",
        CallEnd.TimeLimit => "time limit",
        CallEnd.CallerHungUp => "caller hung up",
        CallEnd.AgentHungUp => "agent ended the call",
        CallEnd.Cancelled => "cancelled",
        _ => "failed",
    };
}
