using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// Faults injected on the model's side mid-call: the caller's socket stays up through every recoverable one, the
/// new session gets the same configuration and the conversation so far, and audio resumes both ways.
/// </summary>
public sealed class RecoveryTests
{
    private const string CallerQuestion = "When do you open tomorrow?";
    private const string AgentAnswer = "We open at nine in the morning.";

    private static readonly FakeTwilioCallerOptions s_immediateMarks = new() { MarkMode = MarkMode.Immediate };

    /// <summary>One exchange, fully played: a caller turn with its transcription, an agent answer with audio and transcript.</summary>
    private static async Task HaveAnExchangeAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model)
    {
        var userItem = await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await model.SendInputTranscriptionCompletedAsync(userItem, CallerQuestion, harness.Token);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendOutputItemAddedAsync("resp_1", "item_a1", harness.Token);
        await model.SendTranscriptDeltaAsync("resp_1", "item_a1", "We open at nine", cancellationToken: harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_a1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_1", "item_a1", cancellationToken: harness.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_a1", AgentAnswer, cancellationToken: harness.Token);
        await model.SendOutputItemDoneAsync("resp_1", "item_a1", harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);
        // Everything before response.done on that socket has been handled too.
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);
    }

    /// <summary>The replayed turns, once <paramref name="count"/> of them have reached the fake.</summary>
    private static async Task<(string Role, string Text)[]> ReplayedItemsAsync(CallHarness harness, FakeRealtimeConnection model, int count)
    {
        await model.WaitForEventCountAsync("conversation.item.create", count, harness.Token);
        return
        [
            .. model.Received
                .Where(e => (string?)e["type"] == "conversation.item.create")
                .Select(e => ((string)e["item"]!["role"]!, (string)e["item"]!["content"]![0]!["text"]!)),
        ];
    }

    private static int IndexOf(FakeRealtimeConnection model, string type) =>
        model.Received.Select((e, i) => (e, i)).First(p => (string?)p.e["type"] == type).i;

    /// <summary>The caller's audio reaches the new session and the new session's audio reaches the caller.</summary>
    private static async Task AssertAudioFlowsAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model)
    {
        var fromCaller = AudioFixtures.Tone(100, hz: 660);
        var before = model.ReceivedAudioBytes;
        await caller.SendAudioAsync(fromCaller, harness.Token);
        await model.WaitForAudioBytesAsync((int)before + fromCaller.Length, harness.Token);
        Assert.Equal(fromCaller, model.ReceivedAudio[^fromCaller.Length..]);

        var received = caller.ReceivedAudioBytes;
        await model.SendAudioResponseAsync("resp_after", "item_after", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync((int)received + 800, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task SessionCap1001_NewSessionWithSameConfigAndReplayedConversation_CallerNeverNotices()
    {
        await using var harness = await CallHarness.StartAsync();
        var parameters = CallHarness.Parameters(("prompt", "You are the front desk of a bakery."), ("voice", "marin"));
        var (caller, first) = await harness.StartCallAsync(parameters, s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);

        await first.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Your session hit the maximum duration of 60 minutes.", harness.Token);
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);

        // Same key, model and session; then the conversation as text, in order; no response requested.
        Assert.Equal($"Bearer {CallHarness.CallKey}", second.Headers["Authorization"]);
        Assert.Equal(first.Model, second.Model);
        var firstSession = first.SessionUpdates[0]["session"]!;
        var secondSession = second.SessionUpdates[0]["session"]!;
        Assert.True(JsonNode.DeepEquals(firstSession, secondSession), $"{firstSession.ToJsonString()} != {secondSession.ToJsonString()}");
        Assert.Equal([("user", CallerQuestion), ("assistant", AgentAnswer)], await ReplayedItemsAsync(harness, second, 2));

        await AssertAudioFlowsAsync(harness, caller, second);
        // The replay and the flushed audio go out before anything else: by now a response.create would have arrived.
        Assert.DoesNotContain(second.Received, e => (string?)e["type"] == "response.create");
        Assert.Equal(0, caller.ClearCount);
        Assert.Empty(second.ErrorsSent);
        var replaced = harness.Server.Logs.Entries.Single(e => e.EventName == "ModelSessionReplaced");
        Assert.Contains("session_cap", replaced.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionLostMidResponse_WhatWasSaidIsReplayed_AudioResumes(bool closedWith1011)
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        var userItem = await first.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await first.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await first.SendInputTranscriptionCompletedAsync(userItem, CallerQuestion, harness.Token);
        await first.SendResponseCreatedAsync("resp_1", harness.Token);
        await first.SendOutputItemAddedAsync("resp_1", "item_a1", harness.Token);
        await first.SendTranscriptDeltaAsync("resp_1", "item_a1", "Let me check", cancellationToken: harness.Token);
        await first.SendAudioDeltaAsync("resp_1", "item_a1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(1600, harness.Token);

        if (closedWith1011)
        {
            await first.CloseAsync(WebSocketCloseStatus.InternalServerError, "internal error", harness.Token);
        }
        else
        {
            first.Abort();
        }

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        Assert.Equal([("user", CallerQuestion), ("assistant", "Let me check")], await ReplayedItemsAsync(harness, second, 2));
        await AssertAudioFlowsAsync(harness, caller, second);
        // Nothing of the lost session is sent to the new one (no truncate of an item it never had).
        Assert.Empty(second.ErrorsSent);
    }

    [Fact]
    public async Task SlowHandshake_CallerAudioIsBufferedAndFlushedInOrder_AfterTheReplay()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);
        harness.Realtime.HoldUpgrades();

        first.Abort();
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplacing", 1, harness.Token);
        // The caller talks while the new session's handshake hangs: 40 distinct frames.
        var spoken = Enumerable.Range(0, 40 * 160).Select(i => (byte)(i / 160 * 5)).ToArray();
        await caller.SendAudioAsync(spoken, harness.Token);
        Assert.Equal(WebSocketState.Open, caller.State);

        harness.Realtime.ReleaseUpgrades();
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await second.WaitForAudioBytesAsync(spoken.Length, harness.Token);

        Assert.Equal(spoken, second.ReceivedAudio);
        Assert.True(IndexOf(second, "conversation.item.create") < IndexOf(second, "input_audio_buffer.append"));
        await AssertAudioFlowsAsync(harness, caller, second);
    }

    [Fact]
    public async Task LongOutage_TheAgentApologisesOnceBack()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);
        harness.Realtime.HoldUpgrades();

        first.Abort();
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);
        time.Advance(TimeSpan.FromSeconds(4));
        harness.Realtime.ReleaseUpgrades();

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        var apology = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("apologise", (string?)apology["response"]!["instructions"], StringComparison.Ordinal);
        Assert.True(IndexOf(second, "conversation.item.create") < IndexOf(second, "response.create"));
        Assert.Equal(WebSocketState.Open, caller.State);
    }

    [Fact]
    public async Task LongOutage_TimeLimitPassesMeanwhile_TheNewSessionSaysOnlyTheGoodbye_NoApology()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MAX_CALL_DURATION"] = "60" }, timeProvider: time);
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);
        time.Advance(TimeSpan.FromSeconds(58));
        harness.Realtime.HoldUpgrades();

        first.Abort();
        await harness.Realtime.WaitForUpgradeAttemptsAsync(2, harness.Token);
        // A gap long enough for an apology, and the time limit passes within it.
        time.Advance(TimeSpan.FromSeconds(4));
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "MaxDurationReached", harness.Token);
        harness.Realtime.ReleaseUpgrades();

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        var goodbye = await second.WaitForEventAsync("response.create", harness.Token);
        Assert.Contains("time limit", (string?)goodbye["response"]!["instructions"], StringComparison.Ordinal);
        var replaced = await harness.Server.Logs.WaitForAsync(e => e.EventName == "ModelSessionReplaced", harness.Token);
        Assert.Contains("apology requested: False", replaced.Message, StringComparison.Ordinal);
        await second.SendAudioResponseAsync("resp_bye", "item_bye", AudioFixtures.Tone(200), cancellationToken: harness.Token);

        await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.NormalClosure, "max_duration");
        await second.WaitForClientCloseAsync(harness.Token);
        Assert.Single(second.Received, e => (string?)e["type"] == "response.create");
        Assert.DoesNotContain(second.Received, e => ((string?)e["response"]?["instructions"])?.Contains("apologise", StringComparison.Ordinal) == true);
        Assert.Equal(3200, caller.ReceivedAudio.Length);
    }

    [Fact]
    public async Task ServerErrorEvent_SessionReplaced_OldOneClosedNormally()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);

        await first.SendErrorAsync("server_error", "The server had an error while processing your request. Sorry about that!", null, "server_error", null, harness.Token);

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        var (status, _) = await first.WaitForClientCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        await AssertAudioFlowsAsync(harness, caller, second);
    }

    [Fact]
    public async Task ResponseFailedWithServerError_SessionReplaced()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await first.SendResponseCreatedAsync("resp_1", harness.Token);

        await first.SendResponseDoneAsync("resp_1", "failed", harness.Token);

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        await AssertAudioFlowsAsync(harness, caller, second);
    }

    [Fact]
    public async Task ReconnectRefusedWith401_CallEndsAtOnceWithModelReconnectFailed()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync();
        harness.Realtime.RefuseUpgrades(401);

        first.Abort();

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InternalServerError, "model_reconnect_failed");
        Assert.Contains("401", description, StringComparison.Ordinal);
        Assert.Equal(2, harness.Realtime.UpgradeAttemptCount);
        await harness.Server.WaitForNoCallsAsync(harness.Token);
    }

    [Fact]
    public async Task OutageOutlastsTheReconnectTimeout_CallEndsWithModelReconnectFailed()
    {
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?> { ["MODEL_RECONNECT_TIMEOUT_SECONDS"] = "2" });
        var (caller, first) = await harness.StartCallAsync();
        harness.Realtime.RefuseUpgrades(503);

        first.Abort();

        var description = await harness.AssertCallEndedAsync(caller, WebSocketCloseStatus.InternalServerError, "model_reconnect_failed");
        Assert.Contains("within 2 s", description, StringComparison.Ordinal);
        Assert.True(harness.Realtime.UpgradeAttemptCount > 2, "transient refusals are retried");
        await harness.Server.WaitForNoCallsAsync(harness.Token);
    }

    [Fact]
    public async Task RecoveredOnce_TheNewSessionCanBeRecoveredToo()
    {
        await using var harness = await CallHarness.StartAsync();
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        first.Abort();
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);

        await second.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Your session hit the maximum duration of 60 minutes.", harness.Token);

        var third = await harness.Realtime.WaitForConnectionAsync(2, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 2, harness.Token);
        await AssertAudioFlowsAsync(harness, caller, third);
    }

    [Fact]
    public async Task ProactiveRecycle_WaitsForAQuietMoment_ThenSwitchesWithoutTheCallerNoticing()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await HaveAnExchangeAsync(harness, caller, first);
        await first.SendResponseCreatedAsync("resp_busy", harness.Token);
        await first.SendAudioDeltaAsync("resp_busy", "item_busy", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await caller.WaitForAudioBytesAsync(2400, harness.Token);

        // 50 minutes into OpenAI's 60: due, but a response is still active.
        time.Advance(TimeSpan.FromMinutes(50));
        await harness.Server.WaitForLogCountAsync("ModelSessionRecycleDue", 1, harness.Token);
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);

        await first.SendAudioDoneAsync("resp_busy", "item_busy", cancellationToken: harness.Token);
        await first.SendResponseDoneAsync("resp_busy", "completed", harness.Token);

        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        var (status, _) = await first.WaitForClientCloseAsync(harness.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        Assert.Equal([("user", CallerQuestion), ("assistant", AgentAnswer)], await ReplayedItemsAsync(harness, second, 2));
        await AssertAudioFlowsAsync(harness, caller, second);
        Assert.DoesNotContain(second.Received, e => (string?)e["type"] == "response.create");
        Assert.Equal(0, caller.ClearCount);
    }

    [Fact]
    public async Task ProactiveRecycle_CallerMidTurn_WaitsUntilTheDeadline()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        await first.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await harness.Server.WaitForLogCountAsync("CallerSpeechStarted", 1, harness.Token);

        time.Advance(TimeSpan.FromMinutes(50));
        await harness.Server.WaitForLogCountAsync("ModelSessionRecycleDue", 1, harness.Token);
        Assert.Equal(1, harness.Realtime.UpgradeAttemptCount);

        // Two minutes before the cap the recycle goes ahead: no response is active.
        time.Advance(TimeSpan.FromMinutes(8));
        var second = await harness.Realtime.WaitForConnectionAsync(1, harness.Token);
        await harness.Server.WaitForLogCountAsync("ModelSessionReplaced", 1, harness.Token);
        await AssertAudioFlowsAsync(harness, caller, second);
    }

    [Fact]
    public async Task ProactiveRecycleRefused_TheCurrentSessionCarriesOn()
    {
        var time = new FakeTimeProvider();
        await using var harness = await CallHarness.StartAsync(timeProvider: time);
        var (caller, first) = await harness.StartCallAsync(options: s_immediateMarks);
        harness.Realtime.RefuseUpgrades(403);

        time.Advance(TimeSpan.FromMinutes(50));
        await harness.Server.WaitForLogCountAsync("ModelSessionRecycleFailed", 1, harness.Token);

        await AssertAudioFlowsAsync(harness, caller, first);
        Assert.Equal(2, harness.Realtime.UpgradeAttemptCount);
    }
}
