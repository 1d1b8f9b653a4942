using System.Net;
using System.Text.RegularExpressions;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Endpoints;

[Collection(SerialTestGroup.Name)]
public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_ScrapedDuringACall_ShowTheCallsWork()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { MarkMode = MarkMode.Manual });
        var audio = AudioFixtures.Tone(200);
        await caller.SendAudioAsync(audio, cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_1", audio, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(audio.Length, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await caller.WaitForClearAsync(harness.Token);
        // The barge-in cancelled the response: its response.done reports the tokens it billed.
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);

        var during = await ScrapeAsync(harness);

        Assert.Equal(1, Value(during, "voice_server_calls_active"));
        Assert.Equal(250, Value(during, "voice_server_calls_limit"));
        Assert.Equal(10, Value(during, "voice_server_frames_relayed_total", "caller_to_model"));
        Assert.Equal(1, Value(during, "voice_server_frames_relayed_total", "model_to_caller"));
        Assert.Equal(1, Value(during, "voice_server_call_setup_duration_seconds_count"));
        Assert.Equal(1, Value(during, "voice_server_model_connect_duration_seconds_count"));
        Assert.Equal(1, Value(during, "voice_server_response_latency_seconds_count"));
        Assert.Equal(1, Value(during, "voice_server_barge_ins_total"));
        Assert.Equal(1, Value(during, "voice_server_truncations_total"));
        var billed = model.Sent.Single(e => (string?)e["type"] == "response.done")["response"]!["usage"]!;
        Assert.Equal(double.Parse(billed["output_token_details"]!["audio_tokens"]!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture), Value(during, "voice_server_model_tokens_total", "voice_server_token_direction=\"output\",voice_server_token_kind=\"audio\""));

        // The runtime's meter is exported beside ours, and nothing breaks Prometheus' naming rule that promtool
        // checks in CI: only histograms and summaries may end in _count.
        Assert.Matches(new Regex("^dotnet_gc_heap_total_allocated_bytes_total", RegexOptions.Multiline), during);
        var misnamed = Regex.Matches(during, @"^# TYPE (\S+) (gauge|counter)$", RegexOptions.Multiline)
            .Select(static match => match.Groups[1].Value)
            .Where(static name => name.EndsWith("_count", StringComparison.Ordinal));
        Assert.Empty(misnamed);

        await caller.SendStopAsync(harness.Token);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        var after = await ScrapeAsync(harness);
        Assert.Equal(0, Value(after, "voice_server_calls_active"));
        Assert.Equal(1, Value(after, "voice_server_call_duration_seconds_count", "caller_stopped"));
        Assert.DoesNotContain(CallHarness.CallKey, after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ModelSessionReplacements_CountedByCauseAndOutcome()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync();
        first.Abort();
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        harness.Realtime.RefuseUpgrades(401);

        await second.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, "Your session hit the maximum duration of 60 minutes.", harness.Token);
        await harness.AssertCallEndedAsync(caller, System.Net.WebSockets.WebSocketCloseStatus.InternalServerError, "model_reconnect_failed");
        await harness.Server.WaitForNoCallsAsync(harness.Token);

        var scrape = await ScrapeAsync(harness);
        Assert.Equal(1, Value(scrape, "voice_server_model_reconnects_total", "voice_server_reconnect_cause=\"dropped\",voice_server_reconnect_outcome=\"recovered\""));
        Assert.Equal(1, Value(scrape, "voice_server_model_reconnects_total", "voice_server_reconnect_cause=\"session_cap\",voice_server_reconnect_outcome=\"failed\""));
        Assert.Equal(1, Value(scrape, "voice_server_model_reconnect_duration_seconds_count", "voice_server_reconnect_outcome=\"recovered\""));
        Assert.Equal(1, Value(scrape, "voice_server_call_duration_seconds_count", "model_reconnect_failed"));
    }

    [Fact]
    public async Task Metrics_WithABearerToken_EverySpellingOfThePathNeedsIt()
    {
        const string Token = "metrics-scrape-token-0123456789";
        using var timeout = TestTimeout.Create();
        await using var server = await TestVoiceServer.StartAsync(new Dictionary<string, string?> { ["METRICS_BEARER_TOKEN"] = Token }, cancellationToken: timeout.Token);
        using var http = new HttpClient();

        foreach (var path in new[] { "/metrics", "/METRICS", "/Metrics", "/metrics/", "/METRICS/", "/metrics?format=text" })
        {
            foreach (var (authorization, expected) in new (string?, HttpStatusCode)[]
            {
                (null, HttpStatusCode.Unauthorized),
                ("Bearer wrong-token-0123456789abc", HttpStatusCode.Unauthorized),
                ("Bearer ", HttpStatusCode.Unauthorized),
                ($"Basic {Token}", HttpStatusCode.Unauthorized),
                ($"Bearer {Token}x", HttpStatusCode.Unauthorized),
                ($"Bearer {Token}", HttpStatusCode.OK),
                ($"bearer {Token}", HttpStatusCode.OK),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, server.HttpUrl(path));
                if (authorization is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var response = await http.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                Assert.True(expected == response.StatusCode, $"{path} with '{authorization}': {(int)response.StatusCode}, expected {(int)expected}");
                if (expected == HttpStatusCode.OK)
                {
                    Assert.Contains("voice_server_calls_limit", body, StringComparison.Ordinal);
                }
                else
                {
                    Assert.DoesNotContain("voice_server", body, StringComparison.Ordinal);
                    Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
                }
            }
        }

        Assert.DoesNotContain(server.Logs.Entries, e => e.Message.Contains(Token, StringComparison.Ordinal) || e.State.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task MetricsBearerToken_TooShort_StopsTheBoot()
    {
        using var timeout = TestTimeout.Create();
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["METRICS_BEARER_TOKEN"] = "short" },
            cancellationToken: timeout.Token));
        Assert.Contains("METRICS_BEARER_TOKEN", failure.Message, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeAsync(CallHarness harness)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(harness.Server.HttpUrl("/metrics"), harness.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(harness.Token);
    }

    /// <summary>The value of the first sample of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Value(string scrape, string name, string? label = null)
    {
        foreach (Match sample in Regex.Matches(scrape, $@"(?m)^{Regex.Escape(name)}(\{{(?<labels>[^}}]*)\}})? (?<value>\S+)"))
        {
            if (label is null || sample.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            {
                return double.Parse(sample.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        Assert.Fail($"no sample {name} {label} in:\n{scrape}");
        return double.NaN;
    }
}
