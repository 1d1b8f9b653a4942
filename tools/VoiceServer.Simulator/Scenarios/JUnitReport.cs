using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace VoiceServer.Simulator.Scenarios;

/// <summary>
/// The run as JUnit XML, the shape CI systems read (GitHub Actions reporters, GitLab, Jenkins, Azure Pipelines): one
/// <c>testsuite</c> for the scenario file, one <c>testcase</c> per scenario. A failed rubric is a <c>failure</c> whose
/// text lists every criterion's verdict and reason; a call that did not complete, or could not be graded, is an
/// <c>error</c>. The transcript goes in <c>system-out</c>.
/// </summary>
public static class JUnitReport
{
    public static XDocument Create(string scenarioFile, IReadOnlyList<ScenarioResult> results, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(scenarioFile);
        ArgumentNullException.ThrowIfNull(results);
        var suiteName = Path.GetFileName(scenarioFile);
        var className = Path.GetFileNameWithoutExtension(scenarioFile);
        var failures = results.Count(r => r.Verdict == ScenarioVerdict.Failed);
        var errors = results.Count(r => r.Verdict == ScenarioVerdict.Error);
        var time = Seconds(results.Aggregate(TimeSpan.Zero, (sum, r) => sum + r.Call.Duration));

        var suite = new XElement(
            "testsuite",
            new XAttribute("name", suiteName),
            new XAttribute("tests", results.Count),
            new XAttribute("failures", failures),
            new XAttribute("errors", errors),
            new XAttribute("skipped", 0),
            new XAttribute("time", time),
            new XAttribute("timestamp", startedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture)));
        foreach (var result in results)
        {
            var testCase = new XElement(
                "testcase",
                new XAttribute("classname", className),
                new XAttribute("name", Clean(result.Scenario.Name)),
                new XAttribute("time", Seconds(result.Call.Duration)));
            switch (result.Verdict)
            {
                case ScenarioVerdict.Failed:
                    var failed = result.Criteria.Where(c => !c.Passed).Select(c => c.Id).ToList();
                    testCase.Add(new XElement(
                        "failure",
                        new XAttribute("type", "rubric"),
                        new XAttribute("message", Clean($"{failed.Count} of {result.Criteria.Count} criteria failed: {string.Join(", ", failed)}")),
                        Verdicts(result)));
                    break;
                case ScenarioVerdict.Error:
                    testCase.Add(new XElement(
                        "error",
                        new XAttribute("type", result.Call.Completed ? "grading" : "call"),
                        new XAttribute("message", Clean(result.Error!)),
                        Clean(result.Error!)));
                    break;
                default:
                    break;
            }

            testCase.Add(new XElement("system-out", Transcript(result)));
            suite.Add(testCase);
        }

        return new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(
                "testsuites",
                new XAttribute("name", "voice-sim test"),
                new XAttribute("tests", results.Count),
                new XAttribute("failures", failures),
                new XAttribute("errors", errors),
                new XAttribute("time", time),
                suite));
    }

    public static void Save(XDocument report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) };
        using var writer = XmlWriter.Create(path, settings);
        report.Save(writer);
    }

    private static string Verdicts(ScenarioResult result) =>
        Clean(string.Join('\n', result.Criteria.Select(c => $"{(c.Passed ? "passed" : "FAILED")} {c.Id}: {c.Reason}")));

    private static string Transcript(ScenarioResult result)
    {
        var lines = new List<string> { $"ended: {ConversationOutcome.Describe(result.Call.End)}, {result.Call.CallerTurns} caller turn(s)" };
        lines.AddRange(result.Call.Transcript.Select(turn => turn.ToString()));
        if (result.Criteria.Count > 0)
        {
            lines.Add(Verdicts(result));
        }

        return Clean(string.Join('\n', lines));
    }

    /// <summary>Transcripts and reasons are other programs' text: characters XML cannot hold are dropped.</summary>
    private static string Clean(string text) => string.Concat(text.Where(XmlConvert.IsXmlChar));

    private static string Seconds(TimeSpan duration) => duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
}
