using VoiceServer.Simulator;
using VoiceServer.Simulator.Scenarios;

namespace VoiceServer.Tests.Tools;

/// <summary><c>voice-sim test</c>'s command line: its flags, OPENAI_API_KEY, its help, and bad input as a usage error.</summary>
public sealed class TestCommandLineTests
{
    private static readonly Func<string, string?> s_noEnvironment = _ => null;

    [Fact]
    public void EveryFlag_LandsInItsOption()
    {
        var parsed = SimulatorCommandLine.Parse(
        [
            "test", "scenarios.json", "--concurrency", "3", "--junit", "out.xml", "--openai-key", "sk-from-flag",
            "--realtime-url", "wss://realtime.example.com/v1/realtime", "--caller-model", "gpt-realtime-mini", "--caller-voice", "marin",
            "--transcription-model", "whisper-1", "--grader", "phrases", "--grader-model", "gpt-4.1", "--grader-base-url", "http://127.0.0.1:9/v1",
            "--auth-token", "twilio-token", "--plain",
        ], s_noEnvironment);

        Assert.Null(parsed.Error);
        Assert.Null(parsed.Options);
        var test = parsed.Test!;
        Assert.Equal(("scenarios.json", 3, "out.xml"), (test.ScenarioFile, test.Concurrency, test.JUnitPath));
        Assert.Equal("sk-from-flag", test.OpenAIKey);
        Assert.Equal(new Uri("wss://realtime.example.com/v1/realtime"), test.RealtimeUrl);
        Assert.Equal(("gpt-realtime-mini", "marin", "whisper-1"), (test.CallerModel, test.CallerVoice, test.TranscriptionModel));
        Assert.Equal((GraderKind.Phrases, "gpt-4.1", new Uri("http://127.0.0.1:9/v1")), (test.Grader, test.GraderModel, test.GraderBaseUrl));
        Assert.Equal("twilio-token", test.AuthToken);
        Assert.False(test.Live);
    }

    [Fact]
    public void NoKey_TheEmulatorAndThePhraseGrader_WithAKey_OpenAIAndTheModel()
    {
        var withoutKey = SimulatorCommandLine.Parse(["test", "s.json"], s_noEnvironment).Test!;
        var withKey = SimulatorCommandLine.Parse(["test", "s.json"], name => name == "OPENAI_API_KEY" ? "sk-from-environment" : null).Test!;
        var stream = new Uri("ws://127.0.0.1:8080/api/twilio/media-stream");

        Assert.Null(withoutKey.OpenAIKey);
        Assert.Equal(GraderKind.Phrases, withoutKey.EffectiveGrader);
        Assert.Equal(new Uri("ws://127.0.0.1:8080/local-realtime/v1/realtime?model=gpt-realtime"), withoutKey.CallerRealtimeUrl(stream));
        Assert.Equal("sk-from-environment", withKey.OpenAIKey);
        Assert.Equal(GraderKind.Model, withKey.EffectiveGrader);
        Assert.Equal(new Uri("wss://api.openai.com/v1/realtime?model=gpt-realtime"), withKey.CallerRealtimeUrl(stream));
        Assert.Equal((TestRunOptions.DefaultConcurrency, (bool?)null), (withoutKey.Concurrency, withoutKey.Live));
    }

    [Theory]
    [InlineData("test", "scenario-file")]
    [InlineData("test s.json --concurrency 0", "--concurrency")]
    [InlineData("test s.json --concurrency many", "--concurrency")]
    [InlineData("test s.json --grader judge", "--grader")]
    [InlineData("test s.json --grader model", "--grader model needs a key")]
    [InlineData("test s.json --realtime-url http://example.com/", "--realtime-url")]
    [InlineData("test s.json --grader-base-url ftp://example.com/", "--grader-base-url")]
    [InlineData("test s.json --url ws://localhost/", "--url")]
    public void BadInput_IsAUsageError_NamingIt(string arguments, string named)
    {
        var parsed = SimulatorCommandLine.Parse(arguments.Split(' '), s_noEnvironment);

        Assert.Null(parsed.Test);
        Assert.Contains(named, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_OfTheTestCommand_ListsItsFlagsAndExitCodes_AndTheRootNamesIt()
    {
        Assert.True(SimulatorCommandLine.Parse(["test", "--help"]).ShowHelp);
        using var testHelp = new StringWriter();
        using var rootHelp = new StringWriter();

        SimulatorCommandLine.WriteHelp(testHelp, ["test", "--help"]);
        SimulatorCommandLine.WriteHelp(rootHelp);

        foreach (var flag in new[] { "--concurrency", "--junit", "--openai-key", "--realtime-url", "--grader", "--grader-base-url", "<scenario-file>", "3 a call did not complete" })
        {
            Assert.Contains(flag, testHelp.ToString(), StringComparison.Ordinal);
        }

        Assert.Contains("voice-sim test <scenario-file>", rootHelp.ToString(), StringComparison.Ordinal);
        Assert.Contains("test", rootHelp.ToString(), StringComparison.Ordinal);
    }
}
