using VoiceServer.Simulator.Scenarios.Grading;

namespace VoiceServer.Simulator.Scenarios;

public enum ScenarioVerdict
{
    /// <summary>The call completed and every criterion passed.</summary>
    Passed,

    /// <summary>The call completed and at least one criterion failed.</summary>
    Failed,

    /// <summary>The call did not complete, or could not be graded: no verdict on the agent.</summary>
    Error,
}

/// <summary>One scenario's call and grades.</summary>
public sealed record ScenarioResult
{
    public required Scenario Scenario { get; init; }

    public required ConversationOutcome Call { get; init; }

    /// <summary>Empty when the call did not complete or grading failed.</summary>
    public IReadOnlyList<CriterionResult> Criteria { get; init; } = [];

    /// <summary>Why there are no verdicts: the call's failure or the grader's.</summary>
    public string? Error { get; init; }

    public ScenarioVerdict Verdict =>
        Error is not null ? ScenarioVerdict.Error
        : Criteria.All(c => c.Passed) ? ScenarioVerdict.Passed
        : ScenarioVerdict.Failed;

    public int CriteriaPassed => Criteria.Count(c => c.Passed);
}

/// <summary>The whole run: each scenario's result in the file's order, and the process exit code.</summary>
public sealed record TestRunResult(int ExitCode, IReadOnlyList<ScenarioResult> Results);
