using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class CallParametersTests
{
    private static readonly Dictionary<string, string> s_empty = [];

    [Fact]
    public void TryResolve_CustomParametersWinOverQuery()
    {
        var query = new Dictionary<string, string> { ["agentId"] = "from-query", ["voice"] = "ash", ["openAIKey"] = "sk-query" };
        var custom = new Dictionary<string, string> { ["agentId"] = "from-custom", ["voice"] = "marin" };

        Assert.True(CallParameters.TryResolve(query, custom, serverApiKey: null, out var configuration, out _));

        Assert.Equal("from-custom", configuration.AgentId);
        Assert.Equal("marin", configuration.Voice);
        Assert.Equal("sk-query", configuration.ApiKey);
        Assert.True(configuration.ApiKeyFromCall);
    }

    [Fact]
    public void TryResolve_NoKeyInCall_UsesServerKeyAndDefaults()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a" };

        Assert.True(CallParameters.TryResolve(s_empty, custom, "sk-server", out var configuration, out _));

        Assert.Equal("sk-server", configuration.ApiKey);
        Assert.False(configuration.ApiKeyFromCall);
        Assert.Equal("alloy", configuration.Voice);
        Assert.Null(configuration.Temperature);
    }

    [Theory]
    [InlineData("agentId", null, "agentId")]
    [InlineData("openAIKey", null, "openAIKey")]
    [InlineData("voice", "nova", "voice")]
    [InlineData("voice", "fable", "voice")]
    [InlineData("temperature", "2.5", "temperature")]
    [InlineData("temperature", "-0.1", "temperature")]
    [InlineData("temperature", "warm", "temperature")]
    [InlineData("temperature", "NaN", "temperature")]
    [InlineData("model", "gpt realtime", "model")]
    public void TryResolve_InvalidValue_NamesTheField(string name, string? value, string expectedField)
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["openAIKey"] = "sk-test" };
        if (value is null)
        {
            custom.Remove(name);
        }
        else
        {
            custom[name] = value;
        }

        Assert.False(CallParameters.TryResolve(s_empty, custom, serverApiKey: null, out _, out var error));
        Assert.Equal(expectedField, error.Field);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.8")]
    [InlineData("2")]
    public void TryResolve_TemperatureInRange_IsRecorded(string temperature)
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["temperature"] = temperature };

        Assert.True(CallParameters.TryResolve(s_empty, custom, "sk", out var configuration, out _));
        Assert.Equal(double.Parse(temperature, System.Globalization.CultureInfo.InvariantCulture), configuration.Temperature);
    }

    [Fact]
    public void Configuration_ToString_HidesTheKey()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["openAIKey"] = "sk-very-secret" };
        Assert.True(CallParameters.TryResolve(s_empty, custom, null, out var configuration, out _));

        Assert.DoesNotContain("sk-very-secret", configuration.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidatePresent_OnlyChecksValuesThatArePresent()
    {
        Assert.True(CallParameters.TryValidatePresent(new Dictionary<string, string> { ["voice"] = "cedar" }, out _));
        Assert.False(CallParameters.TryValidatePresent(new Dictionary<string, string> { ["voice"] = "robot" }, out var error));
        Assert.Equal("voice", error.Field);
    }
}
