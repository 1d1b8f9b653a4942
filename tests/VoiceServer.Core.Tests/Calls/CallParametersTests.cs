using VoiceServer.Calls;

namespace VoiceServer.Core.Tests.Calls;

public sealed class CallParametersTests
{
    private static readonly Dictionary<string, string> s_empty = [];
    private static readonly CallResolutionRules s_noServerKey = new();

    private static CallResolutionRules Rules(string serverKey, CallTrust? trust = null, IReadOnlyCollection<string>? models = null) =>
        new() { ServerApiKey = serverKey, Trust = trust ?? CallTrust.Unproven, ServerKeyModels = models };

    [Fact]
    public void TryResolve_CustomParametersWinOverQuery()
    {
        var query = new Dictionary<string, string> { ["agentId"] = "from-query", ["voice"] = "ash", ["openAIKey"] = "sk-query" };
        var custom = new Dictionary<string, string> { ["agentId"] = "from-custom", ["voice"] = "marin" };

        Assert.True(CallParameters.TryResolve(query, custom, s_noServerKey, out var configuration, out _));

        Assert.Equal("from-custom", configuration.AgentId);
        Assert.Equal("marin", configuration.Voice);
        Assert.Equal("sk-query", configuration.ApiKey);
        Assert.True(configuration.ApiKeyFromCall);
    }

    [Fact]
    public void TryResolve_NoKeyInCall_UsesServerKeyAndDefaults()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a" };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk-server"), out var configuration, out _));

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

        Assert.False(CallParameters.TryResolve(s_empty, custom, s_noServerKey, out _, out var error));
        Assert.Equal(expectedField, error.Field);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("0.8")]
    [InlineData("2")]
    public void TryResolve_TemperatureInRange_IsRecorded(string temperature)
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["temperature"] = temperature };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk"), out var configuration, out _));
        Assert.Equal(double.Parse(temperature, System.Globalization.CultureInfo.InvariantCulture), configuration.Temperature);
    }

    [Fact]
    public void Configuration_ToString_HidesTheKey()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["openAIKey"] = "sk-very-secret" };
        Assert.True(CallParameters.TryResolve(s_empty, custom, s_noServerKey, out var configuration, out _));

        Assert.DoesNotContain("sk-very-secret", configuration.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TryValidatePresent_OnlyChecksValuesThatArePresent()
    {
        Assert.True(CallParameters.TryValidatePresent(new Dictionary<string, string> { ["voice"] = "cedar" }, out _));
        Assert.False(CallParameters.TryValidatePresent(new Dictionary<string, string> { ["voice"] = "robot" }, out var error));
        Assert.Equal("voice", error.Field);
    }

    [Fact]
    public void TryResolve_Unproven_DropsTheRecordDestinationAndTransfers_AndSaysSo()
    {
        var custom = new Dictionary<string, string>
        {
            ["agentId"] = "a",
            ["callbackUrl"] = "https://main.example.com/api/calls/events",
            ["transferNumbers"] = "+15557654321",
            ["endCall"] = "true",
        };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk"), out var configuration, out _));

        Assert.Null(configuration.CallbackUrl);
        Assert.Empty(configuration.TransferNumbers);
        Assert.False(configuration.CallControlAllowed);
        Assert.Equal(["callbackUrl", "transferNumbers"], configuration.IgnoredParameters);
        // end_call stays: without the API it closes this call's own socket, which touches no other call.
        Assert.Equal(["end_call"], configuration.Tools.Select(t => t.Name));
    }

    [Fact]
    public void TryResolve_SignedButNotBoundToTheCall_KeepsTheDestination_NotTheTransfers()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["callbackUrl"] = "https://main.example.com/events", ["transferNumbers"] = "+15557654321" };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk", new CallTrust(SignedByOperator: true, BoundToCall: false)), out var configuration, out _));

        Assert.Equal(new Uri("https://main.example.com/events"), configuration.CallbackUrl);
        Assert.Empty(configuration.TransferNumbers);
        Assert.False(configuration.CallControlAllowed);
        Assert.Equal(["transferNumbers"], configuration.IgnoredParameters);
    }

    [Fact]
    public void TryResolve_BoundToTheCall_AllowsCallControl()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["transferNumbers"] = "+15557654321" };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk", new CallTrust(SignedByOperator: true, BoundToCall: true)), out var configuration, out _));

        Assert.True(configuration.CallControlAllowed);
        Assert.Equal(["+15557654321"], configuration.TransferNumbers);
        Assert.Contains(configuration.Tools, t => t.Name == "transfer_call");
        Assert.Empty(configuration.IgnoredParameters);
    }

    [Fact]
    public void TryResolve_Handoffs_OnlyInAConfigurationBoundToTheCall()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["handoffs"] = """[{"agentId":"billing","description":"Invoices."}]""", ["handoffUrl"] = "https://main.example.com/api/handoffs" };

        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk", new CallTrust(SignedByOperator: true, BoundToCall: true)), out var bound, out _));
        Assert.True(CallParameters.TryResolve(s_empty, custom, Rules("sk", new CallTrust(SignedByOperator: true, BoundToCall: false)), out var unbound, out _));

        Assert.Equal([new VoiceServer.Handoffs.HandoffDestination("billing", "Invoices.")], bound.Handoffs);
        Assert.Equal(new Uri("https://main.example.com/api/handoffs"), bound.HandoffUrl);
        Assert.Empty(unbound.Handoffs);
        Assert.Null(unbound.HandoffUrl);
        Assert.Equal(["handoffs", "handoffUrl"], unbound.IgnoredParameters);
    }

    [Fact]
    public void TryResolve_HandoffsWithoutTheirUrl_Refused()
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["handoffs"] = """[{"agentId":"billing","description":"Invoices."}]""" };

        Assert.False(CallParameters.TryResolve(s_empty, custom, Rules("sk", new CallTrust(SignedByOperator: true, BoundToCall: true)), out _, out var error));
        Assert.Equal("handoffUrl", error.Field);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[]")]
    [InlineData("""[{"agentId":"","description":"x"}]""")]
    [InlineData("""[{"agentId":"b","description":""}]""")]
    [InlineData("""[{"agentId":"b","description":"x"},{"agentId":"b","description":"y"}]""")]
    [InlineData("""[1,2,3,4,5,6,7,8,9]""")]
    public void TryValidatePresent_MalformedHandoffs_NamesTheField(string handoffs)
    {
        Assert.False(CallParameters.TryValidatePresent(new Dictionary<string, string> { ["handoffs"] = handoffs }, out var error));
        Assert.Equal("handoffs", error.Field);
    }

    [Theory]
    [InlineData("gpt-realtime", null, true)]
    [InlineData("gpt-realtime-mini", null, true)]
    [InlineData("gpt-4o-realtime-preview", null, false)]
    [InlineData("gpt-4o-realtime-preview", "sk-callers-own", true)]
    public void TryResolve_OnTheServerKey_TheModelComesFromTheAllowList(string model, string? callKey, bool allowed)
    {
        var custom = new Dictionary<string, string> { ["agentId"] = "a", ["model"] = model };
        if (callKey is not null)
        {
            custom["openAIKey"] = callKey;
        }

        var resolved = CallParameters.TryResolve(s_empty, custom, Rules("sk-server", models: ["gpt-realtime", "gpt-realtime-mini"]), out _, out var error);

        Assert.Equal(allowed, resolved);
        if (!allowed)
        {
            Assert.Equal("model", error!.Field);
            Assert.Contains("OPENAI_REALTIME_MODELS", error.Message, StringComparison.Ordinal);
        }
    }
}
