using System.Net.WebSockets;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Diagnostics;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

public sealed class LifecycleTests
{
    [Fact]
    public async Task CallerStop_ClosesTheModelSocket_EndsOnce()
    {
        await using var harness = await CallHarness.StartAsync();
        var meters = harness.Server.Services.GetRequiredService<IMeterFactory>();
        using var active = new MetricCollector<long>(meters, VoiceServerMetrics.MeterName, "voice_server.calls.active");
        using var duration = new MetricCollector<double>(meters, VoiceServerMetrics.MeterName, "voice_server.call.duration");
        var (caller, model) = await harness.StartCallAsync();
        await caller.SendDtmfAsync('5', harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "DtmfReceived", harness.Token);

        await caller.SendStopAsync(harness.Token);

        var (modelStatus, _) = await model.WaitForClientCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, modelStatus);
        var (callerStatus, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, callerStatus);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_stopped", end.Message, StringComparison.Ordinal);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        Assert.Single(harness.Server.Logs.CallEnds);

        // Every line of the call, from either pump, carries the call's ids once they are known.
        var scoped = $"CallSid={caller.CallSid};StreamSid={caller.StreamSid};AgentId={CallHarness.AgentId};";
        Assert.Contains(scoped, harness.Server.Logs.CallEnds.Single().Scopes, StringComparison.Ordinal);
        Assert.Contains(scoped, harness.Server.Logs.Entries.First(e => e.EventName == "ModelSessionConfirmed").Scopes, StringComparison.Ordinal);
        Assert.Contains(scoped, harness.Server.Logs.Entries.First(e => e.EventName == "DtmfReceived").Scopes, StringComparison.Ordinal);
        Assert.Equal([1, -1], active.GetMeasurementSnapshot().Select(m => m.Value));
        var recorded = Assert.Single(duration.GetMeasurementSnapshot());
        Assert.Equal("caller_stopped", recorded.Tags["voice_server.end_reason"]);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains('5', StringComparison.Ordinal) && e.EventName == "DtmfReceived");
    }

    [Fact]
    public async Task CallerDrops_ClosesTheModelSocket()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        caller.Abort();

        await model.WaitForClientCloseAsync(harness.Token);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("caller_disconnected", end.Message, StringComparison.Ordinal);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
    }

    [Fact]
    public async Task ModelClosesNormally_CallerClosedWith1000()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await model.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "model_closed");
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ModelClosesWithPolicyViolation_CallerClosedWith1011_NoReconnect()
    {
        // A policy close would close a new session the same way: the call ends instead of looping.
        await using var harness = await CallHarness.StartAsync();
        var (caller, model) = await harness.StartCallAsync();

        await model.CloseAsync(WebSocketCloseStatus.PolicyViolation, "policy", harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InternalServerError, "model_failed");
        await harness.Server.WaitForNoCallsAsync(harness.Token);
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ModelRefusesUpgrade401_CallerClosedWith1011()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { RejectUpgradeStatus = 401 });
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);

        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Contains("401", description, StringComparison.Ordinal);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("model_connect_failed", end.Message, StringComparison.Ordinal);
        Assert.Equal(1, harness.Realtime.RefusedUpgradeCount);
    }

    [Fact]
    public async Task ModelRefusesTwice503_ConnectRetriedWithBackoff_CallGoesOn()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { RejectUpgradeStatus = 503, RejectFirstUpgrades = 2 });

        var (caller, model) = await harness.StartCallAsync();

        Assert.Equal(2, harness.Realtime.RefusedUpgradeCount);
        Assert.Equal(2, harness.Server.Logs.Entries.Count(e => e.EventName == "ConnectRetry"));
        var audio = AudioFixtures.Tone(100);
        await caller.SendAudioAsync(audio, cancellationToken: harness.Token);
        await model.WaitForAudioBytesAsync(audio.Length, harness.Token);
    }

    [Fact]
    public async Task ModelConfirmsWrongFormat_CallEndsBeforeAudio()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { SessionUpdatedFormatOverride = "audio/pcm" });
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);
        await SendAudioUnlessClosedAsync(caller, harness);

        var (status, description) = await caller.WaitForCloseAsync(harness.Token);

        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        Assert.Contains("audio/pcm", description, StringComparison.Ordinal);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Token);
        Assert.Equal(0, model.AppendCount);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("model_session_rejected", end.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRejectsSessionUpdate_CallEndsWithTheReason()
    {
        await using var harness = await CallHarness.StartAsync(new FakeRealtimeServerOptions { UnsupportedSessionKeys = ["instructions"] });
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(("prompt", "Be brief.")), cancellationToken: harness.Token);
        await SendAudioUnlessClosedAsync(caller, harness);

        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("model_session_rejected", end.Message, StringComparison.Ordinal);
        Assert.Contains("unknown_parameter", end.Message, StringComparison.Ordinal);
        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, status);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Token);
        Assert.Equal(0, model.AppendCount);
        Assert.Contains(harness.Server.Logs.Entries, e => e.EventName == "ModelSessionRejected" && e.Message.Contains("session.instructions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ModelNeverConfirms_CallEndsAfterTheSessionTimeout()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(
            new FakeRealtimeServerOptions { IgnoreSessionUpdates = true },
            new Dictionary<string, string?> { ["MODEL_SESSION_TIMEOUT_SECONDS"] = "15" },
            time);
        var caller = await harness.ConnectAsync();
        await caller.SendStartAsync(CallHarness.Parameters(), cancellationToken: harness.Token);
        var model = await harness.Realtime.WaitForConnectionAsync(harness.Token);
        await model.WaitForEventAsync("session.update", harness.Token);

        time.Advance(TimeSpan.FromSeconds(15));

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InternalServerError, "model_session_rejected");
        Assert.Contains("did not confirm", description, StringComparison.Ordinal);
        await model.WaitForClientCloseAsync(harness.Token);
    }

    [Fact]
    public async Task NoStart_SocketClosedAfterTheTimeout()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time, settings: new Dictionary<string, string?> { ["CALL_START_TIMEOUT_SECONDS"] = "5" });
        var caller = await harness.ConnectAsync();
        await caller.SendConnectedAsync(harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "CallerConnected", harness.Token);

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Empty(harness.Server.Logs.CallEnds);
        time.Advance(TimeSpan.FromSeconds(1));

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.PolicyViolation, "start_timeout");
        Assert.Contains("no start", description, StringComparison.Ordinal);
        Assert.Equal(0, harness.Realtime.UpgradeAttemptCount);
    }

    [Fact]
    public async Task ServerShutdown_NoDrainTime_ClosesCallsWith1001()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["DRAIN_TIMEOUT"] = "0" });
        var (caller, model) = await harness.StartCallAsync();

        var stopping = harness.Server.StopAsync();

        var (status, _) = await caller.WaitForCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        await model.WaitForClientCloseAsync(harness.Token);
        await stopping.WaitAsync(harness.Token);
        var end = await harness.Server.WaitForCallEndAsync(harness.Token);
        Assert.Contains("server_shutdown", end.Message, StringComparison.Ordinal);
    }

    /// <summary>Caller audio racing the server's refusal: the server may close before it has all been sent.</summary>
    private static async Task SendAudioUnlessClosedAsync(FakeTwilioCaller caller, CallHarness harness)
    {
        try
        {
            await caller.SendAudioAsync(AudioFixtures.Silence(200), cancellationToken: harness.Token);
        }
        catch (WebSocketException)
        {
            // Closed already: nothing of it can have reached the model.
        }
    }
}
