using System.Text;
using VoiceServer.Simulator.Scenarios;

namespace VoiceServer.Tests.Tools;

/// <summary>The scenario file: defaults applied, and every mistake refused with where it is, exit code 2, before any call.</summary>
public sealed class ScenarioFileTests
{
    private const string Rubric = """[{ "id": "greets", "description": "The agent greets the caller.", "expect": ["hello"] }]""";

    [Fact]
    public void Defaults_ApplyToEveryScenario_AndAScenarioOverridesThem()
    {
        var (scenarios, error) = ScenarioFile.Parse(Encoding.UTF8.GetBytes($$"""
            {
              // Comments and trailing commas are allowed.
              "defaults": {
                "target": { "webhook": "http://127.0.0.1:5000/api/twilio/voice", "to": "+15550001000", "authToken": "token" },
                "persona": "Dana.",
                "callerStarts": true,
                "limits": { "maxSeconds": 30 },
                "rubric": [{ "id": "polite", "description": "The agent is polite." }],
              },
              "scenarios": [
                { "name": "first", "goal": "Book a table.", "script": ["Hello.", "Bye."], "rubric": {{Rubric}} },
                {
                  "name": "second", "goal": "Ask the hours.", "persona": "Sam.", "callerStarts": false,
                  "target": { "url": "wss://voice.example.com/api/twilio/media-stream", "parameters": { "agentId": "bakery" } },
                  "limits": { "maxTurns": 4, "maxSeconds": 90.5 }
                },
              ],
            }
            """));

        Assert.Null(error);
        var (first, second) = (scenarios![0], scenarios[1]);
        Assert.Equal(new Uri("http://127.0.0.1:5000/api/twilio/voice"), first.Target.Webhook);
        Assert.Equal(("+15550001000", "token"), (first.Target.To, first.Target.AuthToken));
        Assert.Equal(("Dana.", true, 2, TimeSpan.FromSeconds(30)), (first.Persona, first.CallerStarts, first.MaxTurns, first.MaxDuration));
        Assert.Equal(["polite", "greets"], first.Rubric.Select(c => c.Id));
        Assert.Equal(["hello"], first.Rubric[1].Expect);
        Assert.Equal(new Uri("wss://voice.example.com/api/twilio/media-stream"), second.Target.StreamUrl);
        Assert.Equal("bakery", second.Target.Parameters["agentId"]);
        Assert.Equal(("Sam.", false, 4, TimeSpan.FromSeconds(90.5)), (second.Persona, second.CallerStarts, second.MaxTurns, second.MaxDuration));
        Assert.Equal(ScenarioFile.DefaultMaxTurns, ScenarioFile.Parse(Encoding.UTF8.GetBytes(One("\"goal\": \"g\""))).Scenarios![0].MaxTurns);
    }

    [Theory]
    [InlineData("not json", "not a valid scenario file")]
    [InlineData("[]", "not a valid scenario file")]
    [InlineData("""{ "scenarios": [] }""", "\"scenarios\" must list at least one scenario")]
    [InlineData("""{ "scenarios": [{ "name": "a", "goal": "g", "rubrik": [] }] }""", "'rubrik'")]
    [InlineData("""{ "scenarios": [{ "goal": "g" }] }""", "scenarios[0].name is missing")]
    [InlineData("""{ "scenarios": [{ "name": "a\u001b[2Kb", "goal": "g" }] }""", "scenarios[0].name: at most 200 characters, none of them control characters")]
    [InlineData("""{ "scenarios": [{ "name": "a", "goal": "g", "rubric": [{ "id": "x", "description": "d" }] }] }""", "scenarios[0] ('a').target is missing")]
    [InlineData("""{ "scenarios": [{ "name": "a", "goal": 5 }] }""", "$.scenarios[0].goal")]
    public void BadFiles_TheProblemAndWhereItIs(string json, string expected)
    {
        var (scenarios, error) = ScenarioFile.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(scenarios);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"goal\": \"\"", "('a').goal is missing or empty")]
    [InlineData("\"goal\": \"g\", \"target\": { \"url\": \"ws://h/\", \"webhook\": \"http://h/\" }", "needs exactly one of webhook")]
    [InlineData("\"goal\": \"g\", \"target\": { \"url\": \"http://h/\" }", "target.url must be an absolute ws:// or wss:// URL")]
    [InlineData("\"goal\": \"g\", \"target\": { \"webhook\": \"file:///etc/passwd\" }", "target.webhook must be an absolute http:// or https:// URL")]
    [InlineData("\"goal\": \"g\", \"target\": { \"webhook\": \"http://h/\", \"parameters\": {} }", "the parameters come from its TwiML")]
    [InlineData("\"goal\": \"g\", \"limits\": { \"maxTurns\": 0 }", "maxTurns must be between 1 and 1000")]
    [InlineData("\"goal\": \"g\", \"limits\": { \"maxSeconds\": 100000 }", "maxSeconds must be more than 0 and at most 3600")]
    [InlineData("\"goal\": \"g\", \"rubric\": []", "rubric must list at least one criterion")]
    [InlineData("\"goal\": \"g\", \"rubric\": [{ \"id\": \"a b\", \"description\": \"d\" }]", "rubric[0].id 'a b'")]
    [InlineData("\"goal\": \"g\", \"rubric\": [{ \"id\": \"x\", \"description\": \"d\" }, { \"id\": \"x\", \"description\": \"e\" }]", "rubric[1].id: 'x' is used twice in scenarios[0] ('a').rubric")]
    [InlineData("\"goal\": \"g\", \"rubric\": [{ \"id\": \"x\" }]", "rubric[0].description is missing")]
    [InlineData("\"goal\": \"g\", \"script\": [\"\"]", "script[0] is missing or empty")]
    public void BadScenarios_TheProblemAndWhereItIs(string fields, string expected)
    {
        var (scenarios, error) = ScenarioFile.Parse(Encoding.UTF8.GetBytes(One(fields)));

        Assert.Null(scenarios);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("local-emulator.json", 2)]
    [InlineData("bistro.json", 2)]
    public void SampleFiles_Load(string name, int count)
    {
        var (scenarios, error) = ScenarioFile.Load(Path.Combine(AppContext.BaseDirectory, "scenarios", name));

        Assert.Null(error);
        Assert.Equal(count, scenarios!.Count);
    }

    [Fact]
    public void TwoScenarios_OneName_Refused()
    {
        var json = $$"""{ "defaults": { "target": { "url": "ws://h/" }, "rubric": {{Rubric}} }, "scenarios": [{ "name": "a", "goal": "g" }, { "name": "A", "goal": "g" }] }""";

        Assert.Contains("scenarios[1].name: another scenario is already called 'A'", ScenarioFile.Parse(Encoding.UTF8.GetBytes(json)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadFile_ExitCode2_TheMessage_NoCall()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"voice-sim-missing-{Guid.NewGuid():N}.json");
        var huge = Path.Combine(Path.GetTempPath(), $"voice-sim-huge-{Guid.NewGuid():N}.json");
        var broken = Path.Combine(Path.GetTempPath(), $"voice-sim-broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(huge, new string(' ', ScenarioFile.MaxFileBytes + 1));
        await File.WriteAllTextAsync(broken, """{ "scenarios": [{ "name": "a" }] }""");
        try
        {
            foreach (var (path, expected) in new[] { (missing, "no such file"), (huge, "more than a scenario file may hold"), (broken, "scenarios[0] ('a').target is missing") })
            {
                using var output = new StringWriter();
                using var errors = new StringWriter();
                var run = await ScenarioRunner.RunAsync(new TestRunOptions { ScenarioFile = path }, output, CancellationToken.None, errors: errors);

                Assert.Equal(TestExitCodes.Usage, run.ExitCode);
                Assert.Empty(run.Results);
                Assert.Contains(expected, errors.ToString(), StringComparison.Ordinal);
                Assert.StartsWith($"voice-sim: {path}: ", errors.ToString(), StringComparison.Ordinal);
                // Standard output carries results only: a pipeline reading it sees nothing from a run that never started.
                Assert.Empty(output.ToString());
            }
        }
        finally
        {
            File.Delete(huge);
            File.Delete(broken);
        }
    }

    /// <summary>A file of one scenario named "a" with <paramref name="fields"/>; the defaults give a target and, unless a rubric is among the fields, a rubric.</summary>
    private static string One(string fields)
    {
        var sharedRubric = fields.Contains("\"rubric\"", StringComparison.Ordinal) ? string.Empty : $", \"rubric\": {Rubric}";
        return $$"""{ "defaults": { "target": { "url": "ws://127.0.0.1:1/api/twilio/media-stream" }{{sharedRubric}} }, "scenarios": [{ "name": "a", {{fields}} }] }""";
    }
}
