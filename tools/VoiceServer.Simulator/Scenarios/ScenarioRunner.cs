using VoiceServer.Simulator.Scenarios.Grading;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// <c>voice-sim test</c>: reads a scenario file, places its calls (at most <see cref="TestRunOptions.Concurrency"/> at
/// once), grades each completed call against its rubric, then prints a table, writes the JUnit report if asked, and
/// returns the exit code (<see cref="TestExitCodes"/>). Keys and Auth Tokens never reach the output. What stops the run
/// (bad options, a bad file, a report that cannot be written) goes to <c>errors</c> (standard error from the command
/// line; the output when not given), so a pipeline reading the table does not take it for results.
/// </summary>
public static class ScenarioRunner
{
    public static async Task<TestRunResult> RunAsync(
        TestRunOptions options, TextWriter output, CancellationToken cancellationToken, IRubricGrader? grader = null, TextWriter? errors = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        output = TextWriter.Synchronized(output);
        errors = errors is null ? output : TextWriter.Synchronized(errors);
        if (options.Validate() is { } invalid)
        {
            errors.WriteLine($"voice-sim: {invalid}");
            return new TestRunResult(TestExitCodes.Usage, []);
        }

        var (scenarios, error) = ScenarioFile.Load(options.ScenarioFile);
        if (scenarios is null)
        {
            errors.WriteLine($"voice-sim: {error}");
            return new TestRunResult(TestExitCodes.Usage, []);
        }

        grader ??= options.EffectiveGrader == GraderKind.Model
            ? new ModelGrader(options.OpenAIKey!, options.GraderModel, options.GraderBaseUrl)
            : new PhraseGrader();
        var redact = Redactor(options, scenarios);
        var startedAt = DateTimeOffset.UtcNow;
        output.WriteLine(
            $"voice-sim test: {scenarios.Count} scenario(s) from {options.ScenarioFile}, {Math.Min(options.Concurrency, scenarios.Count)} at a time; "
            + $"caller: {(options.OpenAIKey is null && options.RealtimeUrl is null ? "the voice server's local Realtime emulator" : options.RealtimeUrl?.GetLeftPart(UriPartial.Path) ?? "OpenAI")}"
            + (options.OpenAIKey is null ? string.Empty : $" ({options.CallerModel})")
            + $"; grader: {(options.EffectiveGrader == GraderKind.Model ? $"{options.GraderModel} at {options.GraderBaseUrl}" : "expect/expectNot phrases")}");

        var display = new ProgressDisplay(output, options.Live ?? false, scenarios.Count);
        var results = new ScenarioResult[scenarios.Count];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, scenarios.Count),
                new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    var scenario = scenarios[index];
                    display.Started(scenario);
                    var result = Redact(await RunScenarioAsync(scenario, options, grader, step => display.Step(scenario, redact(step)), token), redact);
                    results[index] = result;
                    display.Finished(result);
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            display.Close();
            output.WriteLine("cancelled");
            return new TestRunResult(TestExitCodes.Cancelled, [.. results.Where(r => r is not null)]);
        }

        display.Close();
        ResultTable.Write(output, results);
        if (options.JUnitPath is { } junit)
        {
            try
            {
                JUnitReport.Save(JUnitReport.Create(options.ScenarioFile, results, startedAt), junit);
                output.WriteLine($"JUnit report: {junit}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"voice-sim: cannot write the JUnit report to {junit}: {ex.Message}");
                return new TestRunResult(TestExitCodes.Error, results);
            }
        }

        var exitCode = results.Any(r => r.Verdict == ScenarioVerdict.Error) ? TestExitCodes.Error
            : results.Any(r => r.Verdict == ScenarioVerdict.Failed) ? TestExitCodes.ScenarioFailed
            : TestExitCodes.Passed;
        return new TestRunResult(exitCode, results);
    }

    private static async Task<ScenarioResult> RunScenarioAsync(
        Scenario scenario, TestRunOptions options, IRubricGrader grader, Action<string> progress, CancellationToken cancellationToken)
    {
        var call = await new SimulatedConversation(scenario, options, progress).RunAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        if (!call.Completed)
        {
            return new ScenarioResult { Scenario = scenario, Call = call, Error = $"the call did not complete: {call.Error}" };
        }

        progress($"grading {call.Transcript.Count} turn(s)");
        try
        {
            return new ScenarioResult { Scenario = scenario, Call = call, Criteria = await grader.GradeAsync(scenario, call, cancellationToken) };
        }
        catch (GradingException ex)
        {
            return new ScenarioResult { Scenario = scenario, Call = call, Error = $"grading failed: {ex.Message}" };
        }
    }

    /// <summary>Every secret the run holds, replaced wherever another program's text might echo it.</summary>
    private static Func<string, string> Redactor(TestRunOptions options, IReadOnlyList<Scenario> scenarios)
    {
        var secrets = new[] { options.OpenAIKey, options.AuthToken }
            .Concat(scenarios.Select(s => s.Target.AuthToken))
            .Concat(scenarios.SelectMany(s => s.Target.Parameters.Where(p => p.Key == "openAIKey").Select(p => p.Value)))
            .Where(secret => !string.IsNullOrEmpty(secret))
            .Distinct(StringComparer.Ordinal)
            .Cast<string>()
            .ToList();
        return text => secrets.Aggregate(text, (current, secret) => current.Replace(secret, "***", StringComparison.Ordinal));
    }

    private static ScenarioResult Redact(ScenarioResult result, Func<string, string> redact) => result with
    {
        Error = result.Error is null ? null : redact(result.Error),
        Criteria = [.. result.Criteria.Select(c => c with { Reason = redact(c.Reason) })],
        Call = result.Call with
        {
            Error = result.Call.Error is null ? null : redact(result.Call.Error),
            Transcript = [.. result.Call.Transcript.Select(t => t with { Text = redact(t.Text) })],
        },
    };
}
