using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class AgentSettingsTests
{
    private const string WeatherTool =
        """[{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"url":"https://tools.example.com/weather"}]""";

    // Signed for this very call: every setting may be used (what an unproven call may not set is tested in CallParametersTests).
    private static readonly CallResolutionRules s_trusted = new() { ServerApiKey = "sk-server", Trust = new CallTrust(SignedByOperator: true, BoundToCall: true) };

    private static CallConfiguration Resolve(params (string Name, string Value)[] parameters)
    {
        var custom = parameters.ToDictionary(p => p.Name, p => p.Value);
        custom.TryAdd("agentId", "a");
        Assert.True(CallParameters.TryResolve(new Dictionary<string, string>(), custom, s_trusted, out var configuration, out var error), error?.Message);
        return configuration;
    }

    private static CallParameterError Refuse(params (string Name, string Value)[] parameters)
    {
        var custom = parameters.ToDictionary(p => p.Name, p => p.Value);
        custom.TryAdd("agentId", "a");
        Assert.False(CallParameters.TryResolve(new Dictionary<string, string>(), custom, s_trusted, out _, out var error));
        return error;
    }

    [Fact]
    public void EverySetting_IsReadIntoTheConfiguration()
    {
        var configuration = Resolve(
            ("language", "de"),
            ("vad", "semantic_vad"),
            ("vadEagerness", "low"),
            ("noiseReduction", "far_field"),
            ("maxDurationSec", "900"),
            ("idleTimeoutSec", "20"),
            ("tools", WeatherTool),
            ("endCall", "true"),
            ("transferNumbers", "+15557654321, +442071234567"),
            ("dtmf", "collect"));

        Assert.Equal("de", configuration.Language);
        Assert.Equal(new TurnDetectionSettings("semantic_vad", Eagerness: "low"), configuration.TurnDetection);
        Assert.Equal("far_field", configuration.NoiseReduction);
        Assert.Equal(TimeSpan.FromMinutes(15), configuration.MaxDuration);
        Assert.Equal(TimeSpan.FromSeconds(20), configuration.IdleTimeout);
        Assert.Equal(["get_weather", "end_call", "transfer_call"], configuration.Tools.Select(t => t.Name));
        Assert.Equal(new Uri("https://tools.example.com/weather"), configuration.Tools[0].Url);
        Assert.Equal(["+15557654321", "+442071234567"], configuration.TransferNumbers);
        var allowed = configuration.Tools[2].Parameters.GetProperty("properties").GetProperty("number").GetProperty("enum");
        Assert.Equal(["+15557654321", "+442071234567"], allowed.EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(DtmfMode.Collect, configuration.Dtmf);
    }

    [Fact]
    public void Defaults_ServerVadNoToolsEachKey()
    {
        var configuration = Resolve();

        Assert.Equal(TurnDetectionSettings.Default, configuration.TurnDetection);
        Assert.Empty(configuration.Tools);
        Assert.Null(configuration.NoiseReduction);
        Assert.Equal(DtmfMode.Each, configuration.Dtmf);
        Assert.Equal(configuration.NoiseReduction, Resolve(("noiseReduction", "off")).NoiseReduction);
    }

    [Theory]
    [InlineData("language", "english", "language")]
    [InlineData("vad", "push_to_talk", "vad")]
    [InlineData("vadThreshold", "1.5", "vadThreshold")]
    [InlineData("vadSilenceMs", "-1", "vadSilenceMs")]
    [InlineData("vadEagerness", "eager", "vadEagerness")]
    [InlineData("noiseReduction", "studio", "noiseReduction")]
    [InlineData("maxDurationSec", "5", "maxDurationSec")]
    [InlineData("idleTimeoutSec", "1", "idleTimeoutSec")]
    [InlineData("endCall", "yes", "endCall")]
    [InlineData("transferNumbers", "5557654321", "transferNumbers")]
    [InlineData("transferNumbers", "+1555 7654321", "transferNumbers")]
    [InlineData("dtmf", "all", "dtmf")]
    [InlineData("tools", "not json", "tools")]
    [InlineData("tools", """{"name":"x"}""", "tools")]
    [InlineData("tools", """[{"name":"bad name","url":"https://x.example"}]""", "tools")]
    [InlineData("tools", """[{"name":"lookup"}]""", "tools")]
    [InlineData("tools", """[{"name":"end_call","url":"https://x.example"}]""", "tools")]
    [InlineData("tools", """[{"name":"lookup","url":"https://x.example","parameters":[]}]""", "tools")]
    public void BadValue_RefusedNamingTheField(string name, string value, string field)
    {
        var error = Refuse((name, value));
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void ServerVadKnobsWithSemanticVad_Refused()
    {
        Assert.Equal("vad", Refuse(("vad", "semantic_vad"), ("vadSilenceMs", "400")).Field);
        Assert.Equal("vadEagerness", Refuse(("vadEagerness", "high")).Field);
    }

    [Fact]
    public void NumberedPartsWithAGap_Refused()
    {
        Assert.Equal("prompt", Refuse(("prompt.0", "You are "), ("prompt.2", "a bakery.")).Field);
        Assert.Equal("tools", Refuse(("tools.0", "["), ("tools.x", "]")).Field);
    }

    [Fact]
    public void LongValue_SplitOverNumberedParameters_IsJoined()
    {
        var prompt = string.Concat(Enumerable.Repeat("You are a patient support agent. ", 40));
        var chunks = prompt.Chunk(450).Select((chunk, index) => ($"prompt.{index}", new string(chunk))).ToArray();
        var tools = WeatherTool.Chunk(100).Select((chunk, index) => ($"tools.{index}", new string(chunk))).ToArray();

        var configuration = Resolve([.. chunks, .. tools]);

        Assert.Equal(prompt, configuration.Prompt);
        Assert.Equal("get_weather", Assert.Single(configuration.Tools).Name);
    }
}
