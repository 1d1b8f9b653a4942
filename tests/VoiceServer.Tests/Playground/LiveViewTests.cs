using System.Net;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Playground;

/// <summary>The playground's live view and its rules, over HTTP and the media socket (no browser).</summary>
public sealed class LiveViewTests
{
    private const string AccessKey = "playground-access-key-0123456789";

    private static readonly Dictionary<string, string?> s_enabled = new() { ["PLAYGROUND_ENABLED"] = "true" };

    private static async Task<string> RequestLiveViewAsync(CallHarness harness, HttpClient http, string? accessKey = null)
    {
        var (status, body, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, accessKey: accessKey, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("/api/twilio/media-stream", (string?)body["mediaStreamPath"]);
        Assert.Equal(60, (int)body["expiresInSeconds"]!);
        return (string)body["liveViewId"]!;
    }

    [Fact]
    public async Task LiveView_ReportsStateTurnsSpeechLatencyBargeInAndTheEnd()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_enabled);
        using var http = new HttpClient();
        var liveViewId = await RequestLiveViewAsync(harness, http);
        await using var view = await FakeLiveViewClient.OpenAsync(http, harness.Server.BaseAddress, liveViewId, cancellationToken: harness.Token);
        await view.WaitForAsync("call", e => e["state"] == "waiting", harness.Token);

        // The page's own origin may open the socket although ALLOWED_ORIGINS is empty.
        var (caller, model) = await harness.StartCallAsync(
            options: new FakeTwilioCallerOptions { Origin = harness.Server.BaseAddress.GetLeftPart(UriPartial.Authority), MarkMode = MarkMode.Manual },
            query: $"liveView={liveViewId}");
        var connected = await view.WaitForAsync("call", e => e["state"] == "connected", harness.Token);
        Assert.False(string.IsNullOrEmpty(connected["callId"]));
        await view.WaitForAsync("call", e => e["state"] == "ready", harness.Token);

        // The caller speaks; the transcription arrives; the agent answers after a measured pause.
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await view.WaitForAsync("speech", e => e["speaker"] == "caller" && e["state"] == "started", harness.Token);
        var sinceSpeechStopped = System.Diagnostics.Stopwatch.StartNew();
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await view.WaitForAsync("speech", e => e["speaker"] == "caller" && e["state"] == "stopped", harness.Token);
        var callerItem = (string)(await view.WaitForAsync("turn", e => e["speaker"] == "caller", harness.Token)).Data["id"]!;
        await model.SendInputTranscriptionCompletedAsync(callerItem, "I would like a table for two.", harness.Token);
        await view.WaitForAsync("turn", e => e["id"] == callerItem && e["text"] == "I would like a table for two." && e.Data["final"]!.GetValue<bool>(), harness.Token);

        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_agent_1", harness.Token);
        await model.SendTranscriptDeltaAsync("resp_1", "item_agent_1", "Of course, for what time ", cancellationToken: harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_agent_1", AudioFixtures.Tone(1000), cancellationToken: harness.Token);
        await view.WaitForAsync("speech", e => e["speaker"] == "agent" && e["state"] == "started", harness.Token);
        var withLatency = await view.WaitForAsync("turn", e => e["id"] == "item_agent_1" && e.Data["latencyMs"] is not null, harness.Token);
        // From the caller's end of speech to this audio: no longer than since the speech stopped was sent.
        Assert.InRange(withLatency.Data["latencyMs"]!.GetValue<long>(), 0, sinceSpeechStopped.ElapsedMilliseconds);
        await view.WaitForAsync("turn", e => e["id"] == "item_agent_1" && e["text"] == "Of course, for what time " && !e.Data["final"]!.GetValue<bool>(), harness.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_agent_1", "Of course, for what time would you like it?", cancellationToken: harness.Token);
        await view.WaitForAsync("turn", e => e["id"] == "item_agent_1" && e.Data["final"]!.GetValue<bool>(), harness.Token);

        // Half of it plays, then the caller talks over it: the turn is cut to what was heard.
        await caller.WaitForPendingMarksAsync(1, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await view.WaitForAsync("bargein", e => e["count"] == "1", harness.Token);
        var cut = await view.WaitForAsync("turn", e => e["id"] == "item_agent_1" && e.Data["interrupted"]!.GetValue<bool>(), harness.Token);
        // Cut to what was heard (nothing acknowledged: 50 ms of 1 s), at a word boundary: a start of the sentence,
        // never the whole of it.
        const string Full = "Of course, for what time would you like it?";
        Assert.False(string.IsNullOrEmpty(cut["text"]));
        Assert.StartsWith(cut["text"]!, Full, StringComparison.Ordinal);
        Assert.True(cut["text"]!.Length < Full.Length, cut["text"]);

        await caller.SendStopAsync(harness.Token);
        var ended = await view.WaitForAsync("call", e => e["state"] == "ended", harness.Token);
        Assert.Equal("caller_stopped", ended["reason"]);
        Assert.True(ended.Data["durationMs"]!.GetValue<long>() > 0);
        await view.WaitForEndOfStreamAsync(harness.Token);
        Assert.Equal("ended", view.Events[^1]["state"]);
        Assert.Empty(model.ErrorsSent);
        Assert.Equal(0, Hub(harness).Count);
    }

    private static VoiceServer.Playground.LiveViewHub Hub(CallHarness harness) =>
        harness.Server.Services.GetRequiredService<VoiceServer.Playground.LiveViewHub>();

    [Fact]
    public async Task LiveView_IsSingleUse_ForTheSocketAndForTheReader()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_enabled);
        using var http = new HttpClient();
        var liveViewId = await RequestLiveViewAsync(harness, http);
        await using var view = await FakeLiveViewClient.OpenAsync(http, harness.Server.BaseAddress, liveViewId, cancellationToken: harness.Token);

        var second = await Assert.ThrowsAsync<HttpRequestException>(() => FakeLiveViewClient.OpenAsync(http, harness.Server.BaseAddress, liveViewId, cancellationToken: harness.Token));
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);

        await harness.StartCallAsync(query: $"liveView={liveViewId}");
        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl($"liveView={liveViewId}"), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("unknown_live_view", body, StringComparison.Ordinal);

        var (unknown, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl("liveView=not-a-live-view"), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, unknown);
    }

    [Fact]
    public async Task LiveView_NeverJoined_ExpiresAfterAMinute()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = await CallHarness.StartAsync(settings: s_enabled, timeProvider: time);
        using var http = new HttpClient();
        var liveViewId = await RequestLiveViewAsync(harness, http);
        await using var view = await FakeLiveViewClient.OpenAsync(http, harness.Server.BaseAddress, liveViewId, cancellationToken: harness.Token);
        await view.WaitForAsync("call", e => e["state"] == "waiting", harness.Token);

        time.Advance(TimeSpan.FromSeconds(61));

        var ended = await view.WaitForAsync("call", e => e["state"] == "ended", harness.Token);
        Assert.Equal("live_view_expired", ended["reason"]);
        await view.WaitForEndOfStreamAsync(harness.Token);
        Assert.Equal(0, Hub(harness).Count);
        var (status, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl($"liveView={liveViewId}"), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task LiveView_RefusedAfterTheClaim_EndsWithTheRefusal_AndViewsAreBoundedByTheCallLimit()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["PLAYGROUND_ENABLED"] = "true", ["MAX_CONCURRENT_CALLS"] = "2" });
        using var http = new HttpClient();
        var first = await RequestLiveViewAsync(harness, http);
        var second = await RequestLiveViewAsync(harness, http);
        var (full, fullBody, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, full);
        Assert.Equal("at_capacity", (string?)fullBody["error"]);

        await using var view = await FakeLiveViewClient.OpenAsync(http, harness.Server.BaseAddress, second, cancellationToken: harness.Token);
        await harness.StartCallAsync(query: $"liveView={first}");
        await harness.StartCallAsync();
        // Both call slots are taken: the second page's socket is refused, and its live view says why.
        var (status, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl($"liveView={second}"), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var ended = await view.WaitForAsync("call", e => e["state"] == "ended", harness.Token);
        Assert.Equal("at_capacity", ended["reason"]);
        await view.WaitForEndOfStreamAsync(harness.Token);
        // Only the first view's call is alive: the refused one is gone, its slot free again.
        Assert.Equal(1, Hub(harness).Count);
    }

    [Fact]
    public async Task AccessKey_IsRequiredWhenSet()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["PLAYGROUND_ENABLED"] = "true", ["PLAYGROUND_ACCESS_KEY"] = AccessKey });
        using var http = new HttpClient();

        var (missing, missingBody, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal("access_key_required", (string?)missingBody["error"]);
        var (wrong, _, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, accessKey: AccessKey + "x", cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);

        await RequestLiveViewAsync(harness, http, AccessKey);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains(AccessKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithTwilioSignatures_OnlyALiveViewLetsAnUnsignedSocketIn()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["PLAYGROUND_ENABLED"] = "true",
            ["PLAYGROUND_ACCESS_KEY"] = AccessKey,
            ["TWILIO_AUTH_TOKEN"] = "twilio-auth-token-for-tests",
            ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
        });
        using var http = new HttpClient();

        var (unsigned, unsignedBody) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl(), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, unsigned);
        Assert.Contains("invalid_signature", unsignedBody, StringComparison.Ordinal);

        var liveViewId = await RequestLiveViewAsync(harness, http, AccessKey);
        var (caller, model) = await harness.StartCallAsync(query: $"liveView={liveViewId}");
        await caller.SendAudioAsync(AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(800, harness.Token);
    }

    [Fact]
    public async Task Origins_OwnAndListedPass_OthersAreRefused_CorsOnlyForListed()
    {
        const string Dashboard = "https://dashboard.example.com";
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["PLAYGROUND_ENABLED"] = "true", ["ALLOWED_ORIGINS"] = Dashboard });
        using var http = new HttpClient();
        var own = harness.Server.BaseAddress.GetLeftPart(UriPartial.Authority);

        var (evil, evilBody, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, origin: "https://evil.example.com", cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, evil);
        Assert.Equal("origin_not_allowed", (string?)evilBody["error"]);
        Assert.Equal(HttpStatusCode.Forbidden, await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), "https://evil.example.com", harness.Token));

        var (listed, _, listedHeaders) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, origin: Dashboard, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(Dashboard, listedHeaders.GetValues("Access-Control-Allow-Origin").Single());

        var (same, _, sameHeaders) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, origin: own, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.OK, same);
        Assert.False(sameHeaders.Contains("Access-Control-Allow-Origin"));

        // The preflight a dashboard's fetch with an access key makes.
        using var preflight = new HttpRequestMessage(HttpMethod.Options, harness.Server.HttpUrl("/api/playground/calls"));
        preflight.Headers.Add("Origin", Dashboard);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        using var preflightResponse = await http.SendAsync(preflight, harness.Token);
        Assert.Equal(HttpStatusCode.NoContent, preflightResponse.StatusCode);
        Assert.Equal(Dashboard, preflightResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());

        // The embeddable script itself, fetched cross-origin (a module script is a CORS request).
        using var script = new HttpRequestMessage(HttpMethod.Get, harness.Server.HttpUrl("/playground/voice-playground.js"));
        script.Headers.Add("Origin", Dashboard);
        using var scriptResponse = await http.SendAsync(script, harness.Token);
        Assert.Equal(HttpStatusCode.OK, scriptResponse.StatusCode);
        Assert.Equal(Dashboard, scriptResponse.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Page_IsServedWithAStrictPolicy_WhenEnabled()
    {
        await using var harness = await CallHarness.StartAsync(settings: s_enabled);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var redirect = await http.GetAsync(harness.Server.HttpUrl("/playground"), harness.Token);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/playground/", redirect.Headers.Location?.OriginalString);

        using var page = await http.GetAsync(harness.Server.HttpUrl("/playground/"), harness.Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("voice-playground.js", await page.Content.ReadAsStringAsync(harness.Token), StringComparison.Ordinal);

        foreach (var script in PlaygroundScripts.Names)
        {
            using var response = await http.GetAsync(harness.Server.HttpUrl("/playground/" + script), harness.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Playground_IsOffByDefault_WithoutTheEmulator()
    {
        await using var harness = await CallHarness.StartAsync();
        using var http = new HttpClient();

        using var page = await http.GetAsync(harness.Server.HttpUrl("/playground/"), harness.Token);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        var (status, _, _) = await FakeLiveViewClient.RequestCallAsync(http, harness.Server.BaseAddress, cancellationToken: harness.Token);
        Assert.Equal(HttpStatusCode.NotFound, status);
        // Without the playground, its own origin is a browser like any other: refused.
        var own = harness.Server.BaseAddress.GetLeftPart(UriPartial.Authority);
        Assert.Equal(HttpStatusCode.Forbidden, await FakeTwilioCaller.TryConnectForStatusAsync(harness.Server.MediaStreamUrl(), own, harness.Token));
        var (liveView, _) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl("liveView=anything"), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.Forbidden, liveView);
    }

    [Fact]
    public async Task Playground_IsOnWithTheEmulator()
    {
        using var timeout = TestTimeout.Create(20);
        await using var server = await TestVoiceServer.StartAsync(args: ["--local-emulator"], cancellationToken: timeout.Token);
        using var http = new HttpClient();
        using var page = await http.GetAsync(server.HttpUrl("/playground/"), timeout.Token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task TwilioSignatures_WithoutAnAccessKey_StopTheBoot()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(new Dictionary<string, string?>
        {
            ["PLAYGROUND_ENABLED"] = "true",
            ["TWILIO_AUTH_TOKEN"] = "twilio-auth-token-for-tests",
            ["PUBLIC_BASE_URL"] = "wss://voice.example.com",
        }));
        Assert.Contains("PLAYGROUND_ACCESS_KEY", failure.Message, StringComparison.Ordinal);
    }
}
