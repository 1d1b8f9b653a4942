using System.Globalization;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>The final table: one row per scenario, then each failed criterion's reason and each error.</summary>
internal static class ResultTable
{
    public static void Write(TextWriter output, IReadOnlyList<ScenarioResult> results)
    {
        string[] headings = ["Scenario", "Result", "Criteria", "Duration", "Ended"];
        var rows = results.Select(result => new[]
        {
            result.Scenario.Name,
            result.Verdict switch
            {
                ScenarioVerdict.Passed => "passed",
                ScenarioVerdict.Failed => "FAILED",
                _ => "ERROR",
            },
            result.Criteria.Count == 0 ? "-" : $"{result.CriteriaPassed}/{result.Criteria.Count}",
            result.Call.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
            ConversationOutcome.Describe(result.Call.End),
        }).ToList();
        var widths = headings.Select((heading, column) => rows.Select(row => row[column].Length).Append(heading.Length).Max()).ToArray();

        output.WriteLine();
        WriteRow(output, headings, widths);
        WriteRow(output, [.. widths.Select(width => new string('-', width))], widths);
        foreach (var row in rows)
        {
            WriteRow(output, row, widths);
        }

        foreach (var result in results.Where(r => r.Verdict != ScenarioVerdict.Passed))
        {
            output.WriteLine();
            output.WriteLine($"{result.Scenario.Name}:");
            if (result.Error is { } error)
            {
                output.WriteLine($"  error: {error}");
            }

            foreach (var criterion in result.Criteria.Where(c => !c.Passed))
            {
                output.WriteLine($"  failed {criterion.Id}: {criterion.Reason}");
            }

            output.WriteLine("  transcript:");
            foreach (var turn in result.Call.Transcript)
            {
                output.WriteLine($"    {turn}");
            }

            if (result.Call.Transcript.Count == 0)
            {
                output.WriteLine("    (nothing was said)");
            }
        }

        var passed = results.Count(r => r.Verdict == ScenarioVerdict.Passed);
        var failed = results.Count(r => r.Verdict == ScenarioVerdict.Failed);
        var errors = results.Count(r => r.Verdict == ScenarioVerdict.Error);
        output.WriteLine();
        output.WriteLine($"{results.Count} scenario(s): {passed} passed, {failed} failed, {errors} error(s)");
    }

    private static void WriteRow(TextWriter output, string[] cells, int[] widths) =>
        output.WriteLine(string.Join("  ", cells.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
}
