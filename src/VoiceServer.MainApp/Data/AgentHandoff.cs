namespace VoiceServer.MainApp.Data;

/// <summary>
/// An agent this agent may hand a call to: the <see cref="Description"/> tells the model when to hand over, the
/// <see cref="Context"/> what the next agent is told of the conversation so far.
/// </summary>
/// <param name="AgentId">The destination agent.</param>
/// <param name="Description">What the model reads in the handoff tool: when this destination is the right one.</param>
/// <param name="Context"><see cref="FullContext"/>, <see cref="LastTurnsContext"/> or <see cref="SummaryContext"/>.</param>
/// <param name="LastTurns">With <see cref="LastTurnsContext"/>: how many of the latest turns the next agent is told.</param>
internal sealed record AgentHandoff(string AgentId, string Description, string Context, int? LastTurns = null)
{
    /// <summary>The next agent is told the whole conversation.</summary>
    public const string FullContext = "full";

    /// <summary>The next agent is told the last <see cref="LastTurns"/> turns.</summary>
    public const string LastTurnsContext = "last_turns";

    /// <summary>The next agent is told a summary of the conversation, written by the model before it hands over.</summary>
    public const string SummaryContext = "summary";

    /// <summary>
    /// Each destination becomes one value of the handoff tool's enum and a line of its description: a handful keeps
    /// the choice clear for the model and the signed configuration small.
    /// </summary>
    public const int MaxHandoffs = 8;

    /// <summary>A sentence or two saying when to hand over; the model reads every one of them on every turn.</summary>
    public const int MaxDescriptionLength = 500;

    /// <summary>Beyond this many turns, <see cref="FullContext"/> says what is meant.</summary>
    public const int MaxLastTurns = 50;

    public static bool IsKnownContext(string? context) => context is FullContext or LastTurnsContext or SummaryContext;
}
