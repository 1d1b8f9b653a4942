using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class DrainTests
{
    [Fact]
    public async Task Drain_LiveCallGoesOn_HealthAndNewCallsRefused_StopsWhenTheCallEnds()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "300" });
        var (caller, model) = await harness.StartCallAsync();

        var stopping = harness.Server.StopAsync();
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Draining", harness.Token);

        using (var http = new HttpClient())
        {
            using var health = await http.GetAsync(harness.Server.HttpUrl("/health"), harness.Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync(harness.Token));
            Assert.Equal("draining", body.RootElement.GetProperty("status").GetString());
        }

        var (status, refusal) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl(), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("draining", refusal, StringComparison.Ordinal);

        // The live call still relays both ways.
        var audio = AudioFixtures.Tone(200);
        await caller.SendAudioAsync(audio, cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
        await model.SendAudioResponseAsync("resp_1", "item_1", audio, cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(audio.Length, harness.Token);
        Assert.False(stopping.IsCompleted);

        await caller.SendStopAsync(harness.Token);
        await stopping.WaitAsync(harness.Token);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "Drained");
    }

    [Fact]
    public async Task Drain_Timeout_EndsLiveCallsWith1001()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time, settings: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "30" });
        var (caller, model) = await harness.StartCallAsync();

        var stopping = harness.Server.StopAsync();
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Draining", harness.Token);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(harness.Server.Logs.CallEnds);
        time.Advance(TimeSpan.FromSeconds(1));

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        await model.WaitForClientCloseAsync(harness.Token);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("server_shutdown", end.Message, StringComparison.Ordinal);
        await stopping.WaitAsync(harness.Token);
    }

    [Fact]
    public async Task MaxConcurrentCalls_BeyondTheLimit_503UntilACallEnds()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MAX_CONCURRENT_CALLS"] = "1" });
        var (caller, _) = await harness.StartCallAsync();

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(harness.Server.MediaStreamUrl(), origin: null, harness.Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("at_capacity", body, StringComparison.Ordinal);

        await caller.SendStopAsync(harness.Token);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        await harness.StartCallAsync();
    }
}
