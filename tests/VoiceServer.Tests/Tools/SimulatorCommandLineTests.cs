using VoiceServer.Simulator;

namespace VoiceServer.Tests.Tools;

/// <summary>voice-sim's flags, read through System.CommandLine: each one lands where it did before, and bad input is a usage error naming it.</summary>
public sealed class SimulatorCommandLineTests
{
    [Fact]
    public void EveryFlag_LandsInItsOption()
    {
        var parsed = SimulatorCommandLine.Parse(
        [
            "--provider", "twilio", "--url", "wss://voice.example.com/api/twilio/media-stream", "--webhook", "http://localhost:5000/api/twilio/voice",
            "--to", "+15557000001", "--from", "+15557000002", "--origin", "https://app.example.com", "--auth-token", "token",
            "--signed-url", "wss://voice.example.com/api/twilio/media-stream", "--agent", "bakery", "--prompt", "Be brief.",
            "--voice", "marin", "--greeting", "Hello!", "--temperature", "0.7", "--model", "gpt-realtime", "--key", "sk-test",
            "--param", "a=1", "--param", "b=x=y", "--params-in", "query", "--tone", "700", "--lead-silence", "100",
            "--tail-silence", "900", "--fast", "--wait", "2.5", "--record", "out.wav", "--expect-no-audio",
        ]);

        Assert.Null(parsed.Error);
        var options = parsed.Options!;
        Assert.Equal(TelephonyProvider.Twilio, options.Provider);
        Assert.Equal(new Uri("wss://voice.example.com/api/twilio/media-stream"), options.Url);
        Assert.Equal(new Uri("http://localhost:5000/api/twilio/voice"), options.Webhook);
        Assert.Equal(("+15557000001", "+15557000002"), (options.To, options.From));
        Assert.Equal(("https://app.example.com", "token"), (options.Origin, options.AuthToken));
        Assert.Equal("wss://voice.example.com/api/twilio/media-stream", options.SignedUrl);
        Assert.Equal(("bakery", "Be brief.", "marin", "Hello!"), (options.AgentId, options.Prompt, options.Voice, options.Greeting));
        Assert.Equal(("0.7", "gpt-realtime", "sk-test"), (options.Temperature, options.Model, options.OpenAIKey));
        Assert.Equal([new("a", "1"), new("b", "x=y")], options.Parameters);
        Assert.Equal(ParameterPlacement.Query, options.ParametersIn);
        Assert.Equal((700, 100, 900), (options.ToneMilliseconds, options.LeadSilenceMilliseconds, options.TailSilenceMilliseconds));
        Assert.True(options.Fast);
        Assert.True(options.ExpectNoAudio);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Wait);
        Assert.Equal("out.wav", options.RecordPath);
    }

    [Fact]
    public void NoFlags_TheDefaults()
    {
        var options = SimulatorCommandLine.Parse([]).Options!;

        Assert.Empty(options.Parameters);
        Assert.Equal(new SimulatorOptions(), options with { Parameters = new SimulatorOptions().Parameters });
    }

    [Theory]
    [InlineData("-h")]
    [InlineData("--help")]
    [InlineData("-?")]
    public void Help_AskedFor(string flag)
    {
        Assert.True(SimulatorCommandLine.Parse([flag]).ShowHelp);
    }

    [Fact]
    public void Help_ListsEveryFlagAndTheExitCodes()
    {
        using var output = new StringWriter();

        SimulatorCommandLine.WriteHelp(output);

        foreach (var flag in new[] { "--provider", "--url", "--webhook", "--auth-token", "--param", "--params-in", "--wav", "--tone", "--silence", "--wait", "--record", "--expect-no-audio" })
        {
            Assert.Contains(flag, output.ToString(), StringComparison.Ordinal);
        }

        Assert.Contains("Exit codes: 0 success", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--version", "'--version'")]
    [InlineData("--url http://localhost:8080/api/twilio/media-stream", "--url must be an absolute ws:// or wss:// URL")]
    [InlineData("--webhook ws://localhost:5000/voice", "--webhook must be an absolute http(s) URL")]
    [InlineData("--param novalue", "--param takes name=value")]
    [InlineData("--params-in body", "--params-in must be custom or query")]
    [InlineData("--tone -5", "--tone takes a whole number of milliseconds")]
    [InlineData("--wait soon", "--wait takes a number of seconds")]
    [InlineData("--tone 100 --silence 100", "Use only one of --wav, --tone and --silence.")]
    [InlineData("--url", "--url")]
    public void BadInput_IsAUsageError_NamingIt(string arguments, string error)
    {
        var parsed = SimulatorCommandLine.Parse(arguments.Split(' '));

        Assert.Null(parsed.Options);
        Assert.Contains(error, parsed.Error, StringComparison.Ordinal);
    }
}
