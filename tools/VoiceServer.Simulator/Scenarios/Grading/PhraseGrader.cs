using System.Globalization;

namespace VoiceServer.Simulator.Scenarios.Grading;

/// <summary>
/// The deterministic grader (no model, no key): a criterion passes when every one of its <c>expect</c> phrases appears
/// in the transcript and none of its <c>expectNot</c> phrases does, compared without regard to case. A criterion with
/// neither cannot be judged this way and fails, saying so.
/// </summary>
public sealed class PhraseGrader : IRubricGrader
{
    public Task<IReadOnlyList<CriterionResult>> GradeAsync(Scenario scenario, ConversationOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(outcome);
        IReadOnlyList<CriterionResult> results = [.. scenario.Rubric.Select(criterion => Grade(criterion, outcome.Transcript))];
        return Task.FromResult(results);
    }

    private static CriterionResult Grade(RubricCriterion criterion, IReadOnlyList<TranscriptTurn> transcript)
    {
        if (criterion.Expect.Count == 0 && criterion.ExpectNot.Count == 0)
        {
            return new CriterionResult(criterion.Id, false, "no expect or expectNot phrases: only a grading model can judge this criterion");
        }

        foreach (var phrase in criterion.Expect)
        {
            if (Find(transcript, phrase) is null)
            {
                return new CriterionResult(criterion.Id, false, $"the transcript never says \"{phrase}\"");
            }
        }

        foreach (var phrase in criterion.ExpectNot)
        {
            if (Find(transcript, phrase) is { } turn)
            {
                return new CriterionResult(
                    criterion.Id, false, string.Create(CultureInfo.InvariantCulture, $"the {Who(turn)} says \"{phrase}\" (at {turn.At.TotalSeconds:0.0} s)"));
            }
        }

        var found = criterion.Expect.Select(phrase => $"\"{phrase}\" ({Who(Find(transcript, phrase)!)})");
        var absent = criterion.ExpectNot.Select(phrase => $"\"{phrase}\"");
        var reason = string.Join(
            "; ",
            new[]
            {
                criterion.Expect.Count > 0 ? "the transcript says " + string.Join(", ", found) : null,
                criterion.ExpectNot.Count > 0 ? "it never says " + string.Join(", ", absent) : null,
            }.Where(part => part is not null));
        return new CriterionResult(criterion.Id, true, reason);
    }

    private static TranscriptTurn? Find(IReadOnlyList<TranscriptTurn> transcript, string phrase) =>
        transcript.FirstOrDefault(turn => turn.Text.Contains(phrase, StringComparison.OrdinalIgnoreCase));

    private static string Who(TranscriptTurn turn) => turn.Speaker == Speaker.Caller ? "caller" : "agent";
}
