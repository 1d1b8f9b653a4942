using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VoiceServer.Fakes;
using VoiceServer.Tests.Infrastructure;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Tests.Calls;

/// <summary>
/// The record every call leaves: POSTed, signed, retried; when undeliverable, named in the log (never its contents)
/// and kept in <c>CALL_EVENTS_UNDELIVERED_DIR</c> when set. Destinations on internal addresses are refused.
/// </summary>
public sealed class CallRecordTests
{
    private const string SigningKey = "call-events-signing-key-0123456789abcdef";
    private const string FullAnswer = "Our opening hours are nine to five on weekdays and ten to four on Saturdays.";

    private static Dictionary<string, string?> Settings(FakeHttpReceiver receiver, params (string Name, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CALL_EVENTS_URL"] = receiver.Url("/api/calls/events").ToString(),
            ["CALL_EVENTS_SIGNING_KEY"] = SigningKey,
            ["CALL_EVENTS_RETRY_DELAY_MS"] = "10",
        };
        foreach (var (name, value) in extra)
        {
            settings[name] = value;
        }

        return settings;
    }

    /// <summary>Whether a log line shows <paramref name="text"/> anywhere: its message, its values or its exception.</summary>
    private static bool Reveals(CapturedLogEntry entry, string text) =>
        entry.Message.Contains(text, StringComparison.Ordinal) ||
        entry.State.Contains(text, StringComparison.Ordinal) ||
        (entry.Exception?.Contains(text, StringComparison.Ordinal) ?? false);

    /// <summary>The caller says <paramref name="callerText"/> (transcribed), the agent answers <paramref name="agentText"/>.</summary>
    private static async Task HaveAnExchangeAsync(CallHarness harness, FakeTwilioCaller caller, FakeRealtimeConnection model, string callerText, string agentText)
    {
        var userItem = await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await model.SendInputTranscriptionCompletedAsync(userItem, callerText, harness.Token);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_a1", AudioFixtures.Tone(100), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_1", "item_a1", cancellationToken: harness.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_a1", agentText, cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        await caller.WaitForAudioBytesAsync(800, harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 1, harness.Token);
    }

    private static long Sum(IEnumerable<JsonObject> responsesDone, string detail, string field) =>
        responsesDone.Sum(done => done["response"]!["usage"]?[detail]?[field] is { } tokens ? long.Parse(tokens.ToJsonString(), CultureInfo.InvariantCulture) : 0);

    [Fact]
    public async Task CallEnds_RecordPostedSigned_WithTurnsUsageCostAndBargeIns()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, model) = await harness.StartCallAsync(options: new FakeTwilioCallerOptions { MarkMode = MarkMode.Manual });

        // One exchange, fully played.
        var userItem = await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.SendSpeechStoppedAsync(cancellationToken: harness.Token);
        await model.SendInputTranscriptionCompletedAsync(userItem, "When do you open?", harness.Token);
        await model.SendResponseCreatedAsync("resp_1", harness.Token);
        await model.SendTranscriptDeltaAsync("resp_1", "item_a1", "We open at nine.", cancellationToken: harness.Token);
        await model.SendAudioDeltaAsync("resp_1", "item_a1", AudioFixtures.Tone(200), cancellationToken: harness.Token);
        await model.SendAudioDoneAsync("resp_1", "item_a1", cancellationToken: harness.Token);
        await model.SendTranscriptDoneAsync("resp_1", "item_a1", "We open at nine.", cancellationToken: harness.Token);
        await model.SendResponseDoneAsync("resp_1", "completed", harness.Token);
        await caller.WaitForPendingMarksAsync(2, harness.Token);
        await caller.AckPendingMarksAsync(2, harness.Token);

        // A long answer, cut off after about half of it was heard.
        await model.SendResponseCreatedAsync("resp_2", harness.Token);
        await model.SendTranscriptDoneAsync("resp_2", "item_a2", FullAnswer, cancellationToken: harness.Token);
        var audio = AudioFixtures.Tone(2000);
        for (var offset = 0; offset < audio.Length; offset += 1600)
        {
            await model.SendAudioDeltaAsync("resp_2", "item_a2", audio.AsMemory(offset, 1600), cancellationToken: harness.Token);
        }

        await caller.WaitForPendingMarksAsync(10, harness.Token);
        await caller.AckPendingMarksAsync(5, harness.Token);
        await harness.Server.WaitForLogCountAsync("MarkReturned", 7, harness.Token);
        await model.SendSpeechStartedAsync(cancellationToken: harness.Token);
        await model.WaitForEventAsync("conversation.item.truncate", harness.Token);
        await harness.Server.WaitForLogCountAsync("ResponseDone", 2, harness.Token);
        await caller.SendStopAsync(harness.Token);

        var request = await receiver.WaitForRequestAsync(0, harness.Token);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/calls/events", request.Path);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        ReceivedSignature.AssertSigned(receiver, request, SigningKey);

        var record = JsonNode.Parse(request.Body)!.AsObject();
        Assert.Equal(1, (int)record["schemaVersion"]!);
        Assert.Equal(caller.CallSid, (string?)record["callSid"]);
        Assert.Equal(caller.StreamSid, (string?)record["streamSid"]);
        Assert.Equal(CallHarness.AgentId, (string?)record["agentId"]);
        Assert.Equal("gpt-realtime", (string?)record["model"]);
        Assert.Equal("caller_stopped", (string?)record["endReason"]);
        Assert.True((long)record["durationMs"]! >= 0);
        Assert.True(DateTimeOffset.Parse((string)record["endedAt"]!, CultureInfo.InvariantCulture) >= DateTimeOffset.Parse((string)record["startedAt"]!, CultureInfo.InvariantCulture));
        Assert.Equal(1, (int)record["bargeIns"]!);
        Assert.Single(record["responseLatenciesMs"]!.AsArray());

        var turns = record["turns"]!.AsArray();
        Assert.Equal(3, turns.Count);
        Assert.Equal(("caller", "When do you open?", false), ((string)turns[0]!["speaker"]!, (string?)turns[0]!["text"], (bool)turns[0]!["interrupted"]!));
        Assert.Equal(("agent", "We open at nine.", false), ((string)turns[1]!["speaker"]!, (string?)turns[1]!["text"], (bool)turns[1]!["interrupted"]!));
        Assert.Equal("agent", (string?)turns[2]!["speaker"]);
        Assert.True((bool)turns[2]!["interrupted"]!);
        var heard = (string)turns[2]!["text"]!;
        Assert.StartsWith(heard, FullAnswer, StringComparison.Ordinal);
        Assert.InRange(heard.Length, FullAnswer.Length / 3, FullAnswer.Length * 2 / 3);
        Assert.Equal(' ', FullAnswer[heard.Length]);

        // Usage is the sum of what the model reported; the cost is the built-in gpt-realtime price table.
        var responsesDone = model.Sent.Where(e => (string?)e["type"] == "response.done").ToList();
        var usage = record["usage"]!;
        var inputText = Sum(responsesDone, "input_token_details", "text_tokens");
        var inputAudio = Sum(responsesDone, "input_token_details", "audio_tokens");
        var outputText = Sum(responsesDone, "output_token_details", "text_tokens");
        var outputAudio = Sum(responsesDone, "output_token_details", "audio_tokens");
        Assert.Equal(inputText, (long)usage["inputTextTokens"]!);
        Assert.Equal(inputAudio, (long)usage["inputAudioTokens"]!);
        Assert.Equal(outputText, (long)usage["outputTextTokens"]!);
        Assert.Equal(outputAudio, (long)usage["outputAudioTokens"]!);
        Assert.True(outputAudio > 0);
        var expectedCost = ((inputText * 4m) + (inputAudio * 32m) + (outputText * 16m) + (outputAudio * 64m)) / 1_000_000m;
        Assert.Equal(decimal.Round(expectedCost, 6), (decimal)record["estimatedCostUsd"]!);
        Assert.DoesNotContain(CallHarness.CallKey, request.Body, StringComparison.Ordinal);

        // No handoff: one segment, the whole call, its agent's; every turn is that agent's.
        var segment = Assert.Single(record["segments"]!.AsArray())!;
        Assert.Equal((CallHarness.AgentId, "gpt-realtime", "caller_stopped"), ((string?)segment["agentId"], (string?)segment["model"], (string?)segment["endReason"]));
        Assert.Equal(((string?)record["startedAt"], (string?)record["endedAt"]), ((string?)segment["startedAt"], (string?)segment["endedAt"]));
        Assert.Equal((null, null), ((string?)segment["handedTo"], (string?)segment["handoffReason"]));
        Assert.Equal(usage.ToJsonString(), segment["usage"]!.ToJsonString());
        Assert.Equal((decimal)record["estimatedCostUsd"]!, (decimal)segment["estimatedCostUsd"]!);
        Assert.All(turns, turn => Assert.Equal(CallHarness.AgentId, (string?)turn!["agentId"]));
    }

    [Fact]
    public async Task ReceiverFailsTwice_RecordDeliveredOnTheThirdAttempt()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.RespondWith(500, 503);
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendStopAsync(harness.Token);

        var third = await receiver.WaitForRequestAsync(2, harness.Token);
        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Delivered", harness.Token);
        Assert.Equal(200, third.AnsweredStatus);
        Assert.All(receiver.Requests, r => Assert.Equal(third.Body, r.Body));
        Assert.All(receiver.Requests, r => ReceivedSignature.AssertSigned(receiver, r, SigningKey));
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task ReceiverKeepsFailing_RecordNamedInTheLog_CallUnaffected()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 500;
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver, ("CALL_EVENTS_MAX_ATTEMPTS", "2")));
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendStopAsync(harness.Token);

        await harness.AssertCallEndedAsync(caller, System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "caller_stopped");
        var undelivered = await harness.Server.Logs.WaitForAsync(e => e.EventName == "Undelivered", harness.Token);
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Contains("HTTP 500", undelivered.Message, StringComparison.Ordinal);
        var callId = (string)JsonNode.Parse(receiver.Requests[0].Body)!["callId"]!;
        Assert.Contains(callId, undelivered.Message, StringComparison.Ordinal);
        Assert.Contains($"{Encoding.UTF8.GetByteCount(receiver.Requests[0].Body)} bytes", undelivered.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(caller.CallSid, undelivered.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(CallHarness.CallKey, undelivered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UndeliveredRecord_OnlyItsIdAndSizeAreLogged_NoTranscriptInAnyLogLine()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 400;
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, model) = await harness.StartCallAsync();
        await HaveAnExchangeAsync(harness, caller, model, "My account number is 5512 and my name is Ada.", "Thank you Ada, I found your account.");

        await caller.SendStopAsync(harness.Token);

        var undelivered = await harness.Server.Logs.WaitForAsync(e => e.EventName is "Undelivered", harness.Token);
        Assert.Contains("my name is Ada", Assert.Single(receiver.Requests).Body, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"Call record \w+ could not be delivered \(the receiver answered HTTP 400\); \d+ bytes"), undelivered.Message);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => Reveals(e, "Ada") || Reveals(e, "5512") || Reveals(e, "found your account"));
    }

    [Fact]
    public async Task UndeliveredRecord_KeptWholeInTheUndeliveredDirectory_WhenOneIsSet()
    {
        var directory = Directory.CreateTempSubdirectory("undelivered-records-");
        try
        {
            await using var receiver = await FakeHttpReceiver.StartAsync();
            receiver.DefaultStatus = 400;
            var spool = Path.Combine(directory.FullName, "records");
            await using var harness = await CallHarness.StartAsync(settings: Settings(receiver, ("CALL_EVENTS_UNDELIVERED_DIR", spool)));
            var (caller, model) = await harness.StartCallAsync();
            await HaveAnExchangeAsync(harness, caller, model, "When do you open?", "We open at nine.");

            await caller.SendStopAsync(harness.Token);

            var undelivered = await harness.Server.Logs.WaitForAsync(e => e.EventName == "Undelivered", harness.Token);
            var callId = (string)JsonNode.Parse(receiver.Requests[0].Body)!["callId"]!;
            var kept = Path.Combine(spool, callId + ".json");
            Assert.Contains(kept, undelivered.Message, StringComparison.Ordinal);
            Assert.Equal(receiver.Requests[0].Body, await File.ReadAllTextAsync(kept, harness.Token));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kept));
            }

            Assert.DoesNotContain(harness.Server.Logs.Entries, e => Reveals(e, "When do you open?"));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(LoopbackSpellings.All), MemberType = typeof(LoopbackSpellings))]
    public async Task CallbackOnLoopbackInAnySpelling_RefusedBeforeConnecting_NotRetried(string host, bool ipv6)
    {
        await using var receiver = await FakeHttpReceiver.StartAsync(ipv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
        await using var harness = await CallHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["CALL_EVENTS_SIGNING_KEY"] = SigningKey,
            ["CALL_EVENTS_RETRY_DELAY_MS"] = "10",
            ["OUTBOUND_ALLOWED_HOSTS"] = string.Empty,
            ["CONFIG_SIGNING_KEY"] = ConfigTokens.SigningKey,
        });
        // Only a signed configuration may choose the destination; even it cannot reach an internal address.
        var callback = $"http://{host}:{receiver.BaseAddress.Port}/api/calls/events?token=callback-secret";
        var token = ConfigTokens.SignedAndEncrypted(new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey, ["callbackUrl"] = callback });
        var (caller, _) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token });

        await caller.SendStopAsync(harness.Token);

        var outcome = await harness.Server.Logs.WaitForAsync(e => e.EventName is "Delivered" or "Undelivered", harness.Token);
        Assert.Equal("Undelivered", outcome.EventName);
        Assert.Contains("not allowed", outcome.Message, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.EventName == "DeliveryRetry");
        var refused = Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "OutboundConnectionRefused");
        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => Reveals(e, "callback-secret"));
    }

    [Fact]
    public async Task ReceiverRedirects_NotFollowed_FinalFailure_SignedBodyNotResent()
    {
        await using var elsewhere = await FakeHttpReceiver.StartAsync();
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 307;
        receiver.Location = elsewhere.Url("/collect");
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendStopAsync(harness.Token);

        var outcome = await harness.Server.Logs.WaitForAsync(e => e.EventName is "Delivered" or "Undelivered", harness.Token);
        Assert.Equal("Undelivered", outcome.EventName);
        Assert.Contains("HTTP 307", outcome.Message, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);
        Assert.Empty(elsewhere.Requests);
    }

    [Fact]
    public async Task RetryDelays_DoubleFromTheConfiguredDelay_EachWithinTwentyPercent()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.RespondWith(500, 500, 500, 500);
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendStopAsync(harness.Token);

        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Delivered", harness.Token);
        var delays = harness.Server.Logs.Entries
            .Where(e => e.EventName == "DeliveryRetry")
            .Select(e => long.Parse(Regex.Match(e.Message, @"retrying in (\d+) ms").Groups[1].Value, CultureInfo.InvariantCulture))
            .ToList();
        Assert.Equal(4, delays.Count);
        for (var retry = 0; retry < delays.Count; retry++)
        {
            // CALL_EVENTS_RETRY_DELAY_MS is 10: 10, 20, 40, 80 ms, each ±20 % (whole milliseconds in the log).
            var nominal = 10 << retry;
            Assert.InRange(delays[retry], (long)Math.Floor(nominal * 0.8) - 1, (long)Math.Ceiling(nominal * 1.2));
        }
    }

    [Fact]
    public async Task ReceiverRefusesWith400_NotRetried_Undelivered()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 400;
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, _) = await harness.StartCallAsync();

        await caller.SendStopAsync(harness.Token);

        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Undelivered", harness.Token);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task CallbackUrlOfASignedConfiguration_WinsOverTheServerDefault()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver, ("CONFIG_SIGNING_KEY", ConfigTokens.SigningKey)));
        var callback = receiver.Url("/agents/support/calls?token=abc").ToString();
        var token = ConfigTokens.SignedAndEncrypted(new JsonObject { ["agentId"] = CallHarness.AgentId, ["openAIKey"] = CallHarness.CallKey, ["callbackUrl"] = callback });
        var (caller, _) = await harness.StartCallAsync(new Dictionary<string, string> { ["config"] = token });

        await caller.SendStopAsync(harness.Token);

        var request = await receiver.WaitForRequestAsync(0, harness.Token);
        Assert.Equal("/agents/support/calls", request.Path);
        Assert.Equal("?token=abc", request.Query);
        ReceivedSignature.AssertSigned(receiver, request, SigningKey);
        // HttpClient's own log lines (which print URLs) stay off.
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => e.Message.Contains("token=abc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallbackUrlInPlainParameters_Ignored_TheRecordGoesWhereTheServerSends_AndTheServerSaysSoOnce()
    {
        // A caller who could choose the destination would have the server sign a record for any receiver, the main
        // app's own record endpoint with someone else's agentId included.
        await using var receiver = await FakeHttpReceiver.StartAsync();
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var chosenByTheCaller = receiver.Url("/chosen-by-the-caller").ToString();

        for (var call = 0; call < 2; call++)
        {
            var (caller, _) = await harness.StartCallAsync(CallHarness.Parameters(("callbackUrl", chosenByTheCaller)));
            await caller.SendStopAsync(harness.Token);
            Assert.Equal("/api/calls/events", (await receiver.WaitForRequestAsync(call, harness.Token)).Path);
        }

        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/chosen-by-the-caller");
        Assert.Single(harness.Server.Logs.Entries, e => e.EventName == "UnprovenParametersIgnored");
    }

    [Fact]
    public async Task UndeliveredRecord_TheKeysPressedAreNotLogged()
    {
        await using var receiver = await FakeHttpReceiver.StartAsync();
        receiver.DefaultStatus = 400;
        await using var harness = await CallHarness.StartAsync(settings: Settings(receiver));
        var (caller, model) = await harness.StartCallAsync(CallHarness.Parameters(("dtmf", "collect")));
        foreach (var key in "4321#")
        {
            await caller.SendDtmfAsync(key, harness.Token);
        }

        await model.WaitForEventAsync("conversation.item.create", harness.Token);
        await caller.SendStopAsync(harness.Token);

        await harness.Server.Logs.WaitForAsync(e => e.EventName == "Undelivered", harness.Token);
        Assert.Contains("4321", receiver.Requests[0].Body, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Server.Logs.Entries, e => Reveals(e, "4321"));
    }

    [Fact]
    public async Task InvalidCallbackUrl_RefusedBeforeTheUpgradeNamingTheField()
    {
        await using var harness = await CallHarness.StartAsync();
        var url = harness.Server.MediaStreamUrl("agentId=a&callbackUrl=" + Uri.EscapeDataString("ftp://example.com/x"));

        var (status, body) = await FakeTwilioCaller.SendUpgradeRequestAsync(url, origin: null, harness.Token);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("callbackUrl", (string?)JsonNode.Parse(body)!["field"]);
    }
}
