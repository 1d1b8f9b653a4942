namespace VoiceServer.Simulator.Scenarios.Grading;

/// <summary>Judges a call's transcript against its scenario's rubric: one verdict per criterion, in the rubric's order.</summary>
public interface IRubricGrader
{
    /// <exception cref="GradingException">The grader could not give verdicts (it failed, refused, or answered nonsense).</exception>
    Task<IReadOnlyList<CriterionResult>> GradeAsync(Scenario scenario, ConversationOutcome outcome, CancellationToken cancellationToken);
}

/// <summary>One criterion's verdict and why.</summary>
public sealed record CriterionResult(string Id, bool Passed, string Reason);

/// <summary>The grader gave no verdicts; the message says why (never with a key in it).</summary>
public sealed class GradingException : Exception
{
    public GradingException(string message)
        : base(message)
    {
    }

    public GradingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public GradingException()
    {
    }
}
