using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class ConfigurationTests
{
    [Fact]
    public async Task CustomParameters_ConfigureTheSession()
    {
        await using var harness = await CallHarness.StartAsync();
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("prompt", "You book tables."), ("voice", "marin"), ("temperature", "0.8")));

        var update = model.SessionUpdates.Single();
        var session = update["session"]!;
        Assert.Equal("You book tables.", (string?)session["instructions"]);
        Assert.Equal("marin", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Null(session["temperature"]);
        Assert.Equal("Bearer " + CallHarness.CallKey, model.Headers["Authorization"]);
        Assert.Equal("gpt-realtime", model.Model);
        Assert.False(model.Headers.ContainsKey("OpenAI-Beta"));
        Assert.Empty(model.ErrorsSent);
    }

    [Fact]
    public async Task QueryString_ConfiguresTheCall_OnceStartHasArrived()
    {
        await using var harness = await CallHarness.StartAsync();
        var caller = await harness.ConnectAsync($"agentId=a&openAIKey={CallHarness.CallKey}&voice=cedar&prompt=Hi");

        await caller.SendConnectedAsync(harness.Token);
        await caller.SendStartAsync(new Dictionary<string, string>(), cancellationToken: harness.Token);

        var model = await harness.Realtime.WaitForConnectionAsync(harness.Token);
        var update = await model.WaitForEventAsync("session.update", harness.Token);
        Assert.Equal("cedar", (string?)update["session"]!["audio"]!["output"]!["voice"]);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallReady", harness.Token);
        Assert.Equal(1, harness.Realtime.ConnectionCount);
    }

    [Fact]
    public async Task CustomParameters_WinOverQuery_OneSessionUpdate()
    {
        await using var harness = await CallHarness.StartAsync();
        var (_, model) = await harness.StartCallAsync(
            new Dictionary<string, string> { ["voice"] = "marin", ["prompt"] = "From custom.", ["model"] = "gpt-realtime-mini" },
            query: $"agentId=a&openAIKey={CallHarness.CallKey}&voice=ash&prompt=From%20query");

        Assert.Equal(1, harness.Realtime.ConnectionCount);
        Assert.Equal("gpt-realtime-mini", model.Model);
        var session = Assert.Single(model.SessionUpdates)["session"]!;
        Assert.Equal("marin", (string?)session["audio"]!["output"]!["voice"]);
        Assert.Equal("From custom.", (string?)session["instructions"]);
    }

    [Fact]
    public async Task ServerKey_UsedWhenTheCallBringsNone()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-server-key", ["ALLOW_UNAUTHENTICATED"] = "true" });
        var (_, model) = await harness.StartCallAsync(new Dictionary<string, string> { ["agentId"] = "a" });

        Assert.Equal("Bearer sk-server-key", model.Headers["Authorization"]);
    }

    [Fact]
    public async Task Azure_ApiKeyHeaderByConfigurationAlone()
    {
        await using var harness = await CallHarness.StartAsync(azure: true);
        var (_, model) = await harness.StartCallAsync(CallHarness.Parameters(("model", "my-deployment")));

        Assert.True(model.IsAzure);
        Assert.Equal(CallHarness.CallKey, model.Headers["api-key"]);
        Assert.False(model.Headers.ContainsKey("Authorization"));
        Assert.Equal("my-deployment", model.Model);
    }

    [Theory]
    [InlineData("voice=nova", "voice")]
    [InlineData("temperature=3", "temperature")]
    [InlineData("temperature=hot", "temperature")]
    [InlineData("model=a%20b", "model")]
    public async Task InvalidQuery_400BeforeTheUpgrade_NamesTheField(string query, string field)
    {
        await using var harness = await CallHarness.StartAsync();
        var url = new UriBuilder(harness.Server.MediaStreamUrl()) { Scheme = "http", Query = $"agentId=a&openAIKey={CallHarness.CallKey}&{query}" }.Uri;

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("invalid_parameter", json.RootElement.GetProperty("error").GetString());
        Assert.Equal(field, json.RootElement.GetProperty("field").GetString());
        Assert.DoesNotContain(CallHarness.CallKey, body, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    public static TheoryData<Dictionary<string, string>, string> InvalidStartParameters => new()
    {
        { new Dictionary<string, string> { ["openAIKey"] = CallHarness.CallKey }, "agentId" },
        { new Dictionary<string, string> { ["agentId"] = "a" }, "openAIKey" },
        { CallHarness.Parameters(("voice", "onyx")), "voice" },
        { CallHarness.Parameters(("temperature", "2.01")), "temperature" },
    };

    [Theory]
    [MemberData(nameof(InvalidStartParameters))]
    public async Task InvalidCustomParameters_Close1008_ModelNeverContacted(Dictionary<string, string> parameters, string field)
    {
        await using var harness = await CallHarness.StartAsync();
        var caller = await harness.ConnectAsync();
        await caller.SendConnectedAsync(harness.Token);
        await caller.SendStartAsync(parameters, cancellationToken: harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains(field, description, StringComparison.Ordinal);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("invalid_configuration", end.Message, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task UnsupportedMediaFormat_Close1008()
    {
        await using var harness = await CallHarness.StartAsync();
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(), encoding: "audio/l16", sampleRate: 16000, cancellationToken: harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        Assert.Contains("audio/x-mulaw", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task Origins_ListedOrAbsentPass_OthersGet403()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["ALLOWED_ORIGINS"] = "https://app.example.com, https://admin.example.com/" });
        var url = harness.Server.MediaStreamUrl();

        Assert.Null(await FakeTwilioCaller.TryConnectForStatusAsync(url, origin: null, harness.Token));
        Assert.Null(await FakeTwilioCaller.TryConnectForStatusAsync(url, "https://app.example.com", harness.Token));
        Assert.Null(await FakeTwilioCaller.TryConnectForStatusAsync(url, "https://admin.example.com", harness.Token));
        Assert.Equal(HttpStatusCode.Forbidden, await FakeTwilioCaller.TryConnectForStatusAsync(url, "https://evil.example.com", harness.Token));

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(new UriBuilder(url) { Scheme = "http" }.Uri, "https://evil.example.com", harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("origin_not_allowed", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Origins_EmptyList_RefusesEveryBrowser()
    {
        await using var harness = await CallHarness.StartAsync();

        Assert.Equal(HttpStatusCode.Forbidden, await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), "http://localhost:3000", harness.Token));
    }
}
