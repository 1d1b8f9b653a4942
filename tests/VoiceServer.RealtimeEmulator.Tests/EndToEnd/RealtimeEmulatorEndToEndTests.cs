using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using VoiceServer.Audio;
using VoiceServer.RealtimeEmulator.Audio;
using VoiceServer.RealtimeEmulator.Session;
using static VoiceServer.RealtimeEmulator.Tests.EndToEnd.RealtimeTestClient;

namespace VoiceServer.RealtimeEmulator.Tests.EndToEnd;

public sealed class RealtimeEmulatorEndToEndTests
{
    private static readonly byte[] s_oneSecondSilence = Enumerable.Repeat(MuLaw.Silence, 8000).ToArray();

    [Fact]
    public async Task CallerTurn_BookingThenSilence_EchoedBackAsPcmu()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri("gpt-realtime-mini"), ct);

        var created = await client.ReceiveAsync(ct);
        Assert.Equal("session.created", Type(created));
        Assert.Equal("gpt-realtime-mini", (string?)created["session"]!["model"]);
        Assert.Equal("audio/pcm", (string?)created["session"]!["audio"]!["input"]!["format"]!["type"]);
        Assert.Equal("conversation.created", Type(await client.ReceiveAsync(ct)));

        await client.SendAsync(EmulatorJson.SessionUpdate(EmulatorJson.VoiceServerSession, "cfg_1"), ct);
        var updated = await client.ReceiveAsync(ct);
        Assert.Equal("session.updated", Type(updated));
        Assert.Equal("audio/pcmu", (string?)updated["session"]!["audio"]!["input"]!["format"]!["type"]);
        Assert.Equal("audio/pcmu", (string?)updated["session"]!["audio"]!["output"]!["format"]!["type"]);
        Assert.Equal("marin", (string?)updated["session"]!["audio"]!["output"]!["voice"]);

        var input = AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking).Concat(s_oneSecondSilence).ToArray();
        var sending = client.SendAudioAsync(input, ct);
        var done = await client.ReceiveUntilAsync("response.done", ct);
        await sending;

        var turn = client.Received.Skip(3).ToList();
        var deltas = turn.Where(e => Type(e) == "response.output_audio.delta").ToList();
        string[] expected =
        [
            "input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
            "conversation.item.added", "conversation.item.done", "conversation.item.input_audio_transcription.completed",
            "response.created", "rate_limits.updated", "response.output_item.added", "conversation.item.added",
            "response.content_part.added", "response.output_audio_transcript.delta",
            .. Enumerable.Repeat("response.output_audio.delta", deltas.Count),
            "response.output_audio.done", "response.output_audio_transcript.done", "response.content_part.done",
            "response.output_item.done", "conversation.item.done", "response.done",
        ];
        Assert.Equal(expected, turn.Select(Type));

        // One user item, named the same from speech_started to conversation.item.done.
        var userItemId = (string)turn[0]["item_id"]!;
        Assert.StartsWith("item_", userItemId, StringComparison.Ordinal);
        Assert.Equal(userItemId, (string?)turn[1]["item_id"]);
        Assert.Equal(userItemId, (string?)turn[2]["item_id"]);
        Assert.Equal(userItemId, (string?)turn[3]["item"]!["id"]);
        Assert.Equal("user", (string?)turn[3]["item"]!["role"]);
        Assert.True((long)turn[1]["audio_end_ms"]! > 5000);

        // The session asked for input transcription: the emulator's stand-in says how long the turn was.
        Assert.Equal(userItemId, (string?)turn[5]["item_id"]);
        Assert.Matches(@"^\(\d+\.\d s of speech\)$", (string?)turn[5]["transcript"]);

        // The reply is the caller's own audio, from the padded start of the turn.
        var echo = deltas.SelectMany(d => Convert.FromBase64String((string)d["delta"]!)).ToArray();
        Assert.All(deltas, d => Assert.InRange(Convert.FromBase64String((string)d["delta"]!).Length, 1, 800));
        Assert.InRange(echo.Length, 4 * 8000, input.Length);
        var startMs = (int)(long)turn[0]["audio_start_ms"]!;
        Assert.Equal(input.AsSpan(startMs * 8, echo.Length).ToArray(), echo);

        var response = done["response"]!;
        Assert.Equal("completed", (string?)response["status"]);
        Assert.Null(response["status_details"]);
        Assert.StartsWith("resp_", (string)response["id"]!, StringComparison.Ordinal);
        Assert.True((int)response["usage"]!["total_tokens"]! > 0);
        Assert.Equal("(echo)", (string?)response["output"]![0]!["content"]![0]!["transcript"]);
        Assert.All(turn, e => Assert.StartsWith("event_", (string)e["event_id"]!, StringComparison.Ordinal));

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task CallerTurn_Pcm24Session_EchoedBackAsPcm24()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri("gpt-realtime-mini"), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);
        var pcmSession = EmulatorJson.VoiceServerSession.Replace("""{ "type": "audio/pcmu" }""", """{ "type": "audio/pcm", "rate": 24000 }""", StringComparison.Ordinal);
        await client.SendAsync(EmulatorJson.SessionUpdate(pcmSession, "cfg_1"), ct);
        var updated = await client.ReceiveAsync(ct);
        Assert.Equal("audio/pcm", (string?)updated["session"]!["audio"]!["output"]!["format"]!["type"]);

        // One second of a 440 Hz tone, then one of silence, as 16-bit little-endian PCM at 24 kHz.
        var input = new byte[2 * 24_000 * 2];
        for (var i = 0; i < 24_000; i++)
        {
            var sample = (short)Math.Round(8000 * Math.Sin(2 * Math.PI * 440 * i / 24_000.0));
            System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(input.AsSpan(i * 2), sample);
        }

        var sending = client.SendAudioAsync(input, ct, frameBytes: 1000); // not a multiple of a 3-sample group
        var done = await client.ReceiveUntilAsync("response.done", ct);
        await sending;

        var speechStarted = client.Received.Single(e => Type(e) == "input_audio_buffer.speech_started");
        Assert.InRange((long)speechStarted["audio_start_ms"]!, 0, 300);
        var echo = client.Received.Where(e => Type(e) == "response.output_audio.delta")
            .SelectMany(d => Convert.FromBase64String((string)d["delta"]!)).ToArray();
        Assert.Equal("completed", (string?)done["response"]!["status"]);
        // The echo is PCM again: whole samples, about the second of tone, and as loud (μ-law on the way loses little).
        Assert.Equal(0, echo.Length % 2);
        Assert.InRange(echo.Length, 800 * 48, 1300 * 48);
        var peak = Enumerable.Range(0, echo.Length / 2).Max(i => Math.Abs((int)System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(echo.AsSpan(i * 2))));
        Assert.InRange(peak, 7000, 8500);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task SessionUpdate_WithTemperature_UnknownParameterAndNothingApplied()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        const string BetaHabit = """
            {"type":"realtime","temperature":0.8,
             "audio":{"input":{"format":{"type":"audio/pcmu"}},"output":{"format":{"type":"audio/pcmu"},"voice":"marin"}}}
            """;
        await client.SendAsync(EmulatorJson.SessionUpdate(BetaHabit, "cfg_1"), ct);

        var error = await client.ReceiveAsync(ct);
        Assert.Equal("error", Type(error));
        Assert.Equal("invalid_request_error", (string?)error["error"]!["type"]);
        Assert.Equal("unknown_parameter", (string?)error["error"]!["code"]);
        Assert.Equal("session.temperature", (string?)error["error"]!["param"]);
        Assert.Equal("Unknown parameter: 'session.temperature'.", (string?)error["error"]!["message"]);
        Assert.Equal("cfg_1", (string?)error["error"]!["event_id"]);

        // The formats and voice that came with it were not applied.
        await client.SendAsync(EmulatorJson.SessionUpdate("""{"type":"realtime"}""", "cfg_2"), ct);
        var updated = await client.ReceiveAsync(ct);
        Assert.Equal("session.updated", Type(updated));
        Assert.Equal("audio/pcm", (string?)updated["session"]!["audio"]!["input"]!["format"]!["type"]);
        Assert.Equal(24000, (int)updated["session"]!["audio"]!["output"]!["format"]!["rate"]!);
        Assert.Equal("alloy", (string?)updated["session"]!["audio"]!["output"]!["voice"]);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ResponseCreate_NothingToEcho_ChimeThenTruncateRules()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync("""{"type":"response.create","response":{"instructions":"Greet the caller with: Hello!"}}""", ct);
        var done = await client.ReceiveUntilAsync("response.done", ct);

        Assert.Equal("completed", (string?)done["response"]!["status"]);
        var chime = client.Received
            .Where(e => Type(e) == "response.output_audio.delta")
            .SelectMany(d => Convert.FromBase64String((string)d["delta"]!))
            .ToArray();
        Assert.Equal(Chime.Audio.ToArray(), chime);
        var itemId = (string)done["response"]!["output"]![0]!["id"]!;

        await client.SendAsync(Truncate(itemId, "1001", "too_far"), ct);
        var tooFar = (await client.ReceiveAsync(ct))["error"]!;
        Assert.Equal("invalid_value", (string?)tooFar["code"]);
        Assert.Equal("audio_end_ms", (string?)tooFar["param"]);
        Assert.Equal("Audio content of 1000ms is already shorter than 1001ms", (string?)tooFar["message"]);
        Assert.Equal("too_far", (string?)tooFar["event_id"]);

        await client.SendAsync(Truncate(itemId, "640.5", "fraction"), ct);
        Assert.Equal("invalid_type", (string?)(await client.ReceiveAsync(ct))["error"]!["code"]);

        await client.SendAsync(Truncate(itemId, "640", "ok"), ct);
        var truncated = await client.ReceiveAsync(ct);
        Assert.Equal("conversation.item.truncated", Type(truncated));
        Assert.Equal(itemId, (string?)truncated["item_id"]);
        Assert.Equal(640, (int)truncated["audio_end_ms"]!);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ResponseCreate_OutOfBandText_NoConversationItem_MetadataOnEveryResponse()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync(
            """{"type":"response.create","response":{"conversation":"none","output_modalities":["text"],"tool_choice":"none","instructions":"Summarise.","metadata":{"purpose":"summary"}}}""",
            ct);
        var done = await client.ReceiveUntilAsync("response.done", ct);

        var created = client.Received.Single(e => Type(e) == "response.created")["response"]!;
        foreach (var response in new[] { created, done["response"]! })
        {
            Assert.Equal("summary", (string?)response["metadata"]!["purpose"]);
            Assert.Null(response["conversation_id"]);
            Assert.Equal(["text"], response["output_modalities"]!.AsArray().Select(m => (string?)m));
        }

        // Text only, and nothing of it joins the conversation.
        Assert.DoesNotContain(client.Received, e => Type(e).StartsWith("conversation.item.", StringComparison.Ordinal));
        Assert.DoesNotContain(client.Received, e => Type(e) == "response.output_audio.delta");
        var text = (string)done["response"]!["output"]![0]!["content"]![0]!["text"]!;
        Assert.Equal(text, (string?)client.Received.Single(e => Type(e) == "response.output_text.done")["text"]);
        Assert.StartsWith("(out-of-band response", text, StringComparison.Ordinal);

        // Metadata is string pairs, as the API wants them.
        await client.SendAsync("""{"type":"response.create","event_id":"bad","response":{"conversation":"none","metadata":{"n":1}}}""", ct);
        var bad = (await client.ReceiveUntilAsync("error", ct))["error"]!;
        Assert.Equal(("invalid_type", "response.metadata.n", "bad"), ((string?)bad["code"], (string?)bad["param"], (string?)bad["event_id"]));

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ResponseCreateAndCancel_OneActiveResponseAtATime()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await StartPacedHostAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync("""{"type":"response.create"}""", ct);
        var responseId = (string)(await client.ReceiveUntilAsync("response.created", ct))["response"]!["id"]!;
        await client.ReceiveUntilAsync("response.output_audio.delta", ct);

        // Paced on a clock that never moves: the response stays active until cancelled.
        await client.SendAsync("""{"type":"response.create","event_id":"again"}""", ct);
        var busy = (await client.ReceiveAsync(ct))["error"]!;
        Assert.Equal("conversation_already_has_active_response", (string?)busy["code"]);
        Assert.Equal("again", (string?)busy["event_id"]);
        Assert.Contains(responseId, (string)busy["message"]!, StringComparison.Ordinal);

        await client.SendAsync("""{"type":"response.cancel"}""", ct);
        var done = await AssertCancelledAsync(client, "client_cancelled", ct);
        Assert.Equal(responseId, (string?)done["response"]!["id"]);

        await client.SendAsync("""{"type":"response.cancel","event_id":"late"}""", ct);
        var late = (await client.ReceiveAsync(ct))["error"]!;
        Assert.Equal("response_cancel_not_active", (string?)late["code"]);
        Assert.Equal("late", (string?)late["event_id"]);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task BargeIn_SpeechDuringResponse_CancelledAsTurnDetected_TruncateBoundedByGenerated()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await StartPacedHostAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);
        await client.SendAsync(EmulatorJson.SessionUpdate(EmulatorJson.VoiceServerSession, "cfg_1"), ct);
        await client.ReceiveUntilAsync("session.updated", ct);

        await client.SendAsync("""{"type":"response.create"}""", ct);
        var itemId = (string)(await client.ReceiveUntilAsync("response.output_item.added", ct))["item"]!["id"]!;
        await client.ReceiveUntilAsync("response.output_audio.delta", ct);

        // The caller talks over the first 100 ms chunk: the first second of the booking sentence.
        var sending = client.SendAudioAsync(AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking).AsMemory(0, 8000), ct);
        Assert.Equal("input_audio_buffer.speech_started", Type(await client.ReceiveAsync(ct)));
        await AssertCancelledAsync(client, "turn_detected", ct);
        await sending;

        await client.SendAsync(Truncate(itemId, "150", "t1"), ct);
        Assert.Equal(
            "Audio content of 100ms is already shorter than 150ms",
            (string?)(await client.ReceiveAsync(ct))["error"]!["message"]);

        await client.SendAsync(Truncate(itemId, "100", "t2"), ct);
        Assert.Equal("conversation.item.truncated", Type(await client.ReceiveAsync(ct)));

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task InputAudioBuffer_ManualCommitAndClear()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);
        await client.SendAsync(EmulatorJson.SessionUpdate("""{"type":"realtime","audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":null}}}""", "cfg_1"), ct);
        Assert.Null((await client.ReceiveUntilAsync("session.updated", ct))["session"]!["audio"]!["input"]!["turn_detection"]);

        await client.SendAudioAsync(s_oneSecondSilence.AsMemory(0, 400), ct);
        await client.SendAsync("""{"type":"input_audio_buffer.commit","event_id":"c1"}""", ct);
        var empty = (await client.ReceiveAsync(ct))["error"]!;
        Assert.Equal("input_audio_buffer_commit_empty", (string?)empty["code"]);
        Assert.Contains("50ms", (string)empty["message"]!, StringComparison.Ordinal);

        await client.SendAsync("""{"type":"input_audio_buffer.clear"}""", ct);
        Assert.Equal("input_audio_buffer.cleared", Type(await client.ReceiveAsync(ct)));

        var interrupt = AudioFixtures.LoadMulaw(AudioFixtures.CallerInterrupt);
        await client.SendAudioAsync(interrupt, ct);
        await client.SendAsync("""{"type":"input_audio_buffer.commit"}""", ct);
        var committed = await client.ReceiveAsync(ct);
        Assert.Equal("input_audio_buffer.committed", Type(committed));
        Assert.Equal("conversation.item.added", Type(await client.ReceiveAsync(ct)));
        Assert.Equal("conversation.item.done", Type(await client.ReceiveAsync(ct)));

        // Without VAD nothing answers by itself; response.create echoes the committed turn.
        await client.SendAsync("""{"type":"response.create"}""", ct);
        var done = await client.ReceiveUntilAsync("response.done", ct);
        Assert.Equal("completed", (string?)done["response"]!["status"]);
        var echo = client.Received
            .Where(e => Type(e) == "response.output_audio.delta")
            .SelectMany(d => Convert.FromBase64String((string)d["delta"]!))
            .ToArray();
        Assert.Equal(interrupt, echo);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ClientMistakes_AnsweredWithErrors_SocketStaysOpen()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync("""{"type":"session.update",""", ct);
        Assert.Equal("invalid_json", (string?)(await client.ReceiveAsync(ct))["error"]!["code"]);

        await client.SendAsync("""{"type":"response.audio.delta","event_id":"beta"}""", ct);
        var unknown = (await client.ReceiveAsync(ct))["error"]!;
        Assert.Equal("invalid_value", (string?)unknown["code"]);
        Assert.Equal("type", (string?)unknown["param"]);
        Assert.Equal("beta", (string?)unknown["event_id"]);

        await client.SendAsync("""{"event_id":"no_type"}""", ct);
        Assert.Equal("missing_required_parameter", (string?)(await client.ReceiveAsync(ct))["error"]!["code"]);

        await client.SendAsync("""{"type":"input_audio_buffer.append","audio":"not base64!"}""", ct);
        Assert.Equal("audio", (string?)(await client.ReceiveAsync(ct))["error"]!["param"]);

        await client.SendAsync(EmulatorJson.SessionUpdate("""{"type":"realtime","audio":{"input":{"format":"g711_ulaw"}}}""", "cfg_1"), ct);
        Assert.Equal("invalid_type", (string?)(await client.ReceiveAsync(ct))["error"]!["code"]);

        await client.SendAsync(EmulatorJson.SessionUpdate(EmulatorJson.VoiceServerSession, "cfg_2"), ct);
        Assert.Equal("session.updated", Type(await client.ReceiveAsync(ct)));

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task BinaryFrame_ClosesWith1003()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, endOfMessage: true, ct);

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, await client.ReceiveCloseAsync(ct));
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task MessageOverOneMebibyte_ClosesWith1009()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        // Valid JSON, one byte over the limit: the size alone decides.
        var padding = new string('A', (1024 * 1024) - """{"type":"input_audio_buffer.append","audio":""}""".Length + 1);
        await client.SendAsync($$"""{"type":"input_audio_buffer.append","audio":"{{padding}}"}""", ct);

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, await client.ReceiveCloseAsync(ct));
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task PlainHttpRequest_Gets400()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = host.BaseUri };

        using var response = await http.GetAsync(new Uri(RealtimeEmulatorEndpoints.DefaultPattern, UriKind.Relative), ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task BetaHeader_RefusedWithBetaApiShapeDisabled()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct, options => options.SetRequestHeader("OpenAI-Beta", "realtime=v1"));

        var error = await client.ReceiveAsync(ct);
        Assert.Equal("beta_api_shape_disabled", (string?)error["error"]!["code"]);
        Assert.Equal((WebSocketCloseStatus)4000, await client.ReceiveCloseAsync(ct));
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ApiKeys_AcceptedAndNeverLogged()
    {
        const string Secret = "sk-proj-emulator-secret-0123456789";
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using (var client = await ConnectAsync(host.RealtimeUri(), ct, options =>
        {
            options.SetRequestHeader("Authorization", $"Bearer {Secret}");
            options.SetRequestHeader("api-key", Secret);
            options.AddSubProtocol("realtime");
            options.AddSubProtocol($"openai-insecure-api-key.{Secret}");
        }))
        {
            Assert.Equal("realtime", client.Socket.SubProtocol);
            await client.ReceiveUntilAsync("conversation.created", ct);
            await client.SendAsync(EmulatorJson.SessionUpdate("""{"type":"realtime","temperature":1}""", "cfg_1"), ct);
            await client.ReceiveUntilAsync("error", ct);
            await client.SendAsync("""{"type":"response.create"}""", ct);
            await client.ReceiveUntilAsync("response.done", ct);
            await client.CloseAsync(ct);
        }

        await host.StopAsync(ct);

        var records = host.Logs.GetSnapshot();
        Assert.Contains(records, r => r.Id.Name == "SessionEnded");
        Assert.All(records, r =>
        {
            Assert.DoesNotContain(Secret, r.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, string.Join(' ', r.StructuredState ?? []), StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, string.Join(' ', r.Scopes), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Session_AtMaximumDuration_ClosesWith1001()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        var time = new FakeTimeProvider();
        await using var host = await EmulatorHost.StartAsync(ct, services => services.AddSingleton<TimeProvider>(time));
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        var created = await client.ReceiveAsync(ct);
        Assert.Equal(time.GetUtcNow().AddMinutes(60).ToUnixTimeSeconds(), (long)created["session"]!["expires_at"]!);
        await client.ReceiveUntilAsync("conversation.created", ct);

        time.Advance(TimeSpan.FromMinutes(60));

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ReceiveCloseAsync(ct));
        Assert.Equal("Your session hit the maximum duration of 60 minutes.", client.Socket.CloseStatusDescription);
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task HostStopping_OpenSessionClosedWith1001()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        var stopping = host.StopAsync(ct);

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await client.ReceiveCloseAsync(ct));
        await client.CloseAsync(ct);
        await stopping;
    }

    [Fact]
    public async Task TextModality_ResponseUsesOutputTextEvents()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);
        var before = client.Received.Count;

        await client.SendAsync("""{"type":"response.create","response":{"output_modalities":["text"]}}""", ct);
        var done = await client.ReceiveUntilAsync("response.done", ct);

        string[] expected =
        [
            "response.created", "rate_limits.updated", "response.output_item.added", "conversation.item.added",
            "response.content_part.added", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done", "conversation.item.done", "response.done",
        ];
        Assert.Equal(expected, client.Received.Skip(before).Select(Type));
        Assert.Equal("(chime)", (string?)done["response"]!["output"]![0]!["content"]![0]!["text"]);
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ConversationItems_CreateRetrieveDelete()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync("""{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"The caller pressed 5."}]}}""", ct);
        var added = await client.ReceiveAsync(ct);
        Assert.Equal("conversation.item.added", Type(added));
        Assert.Null(added["previous_item_id"]);
        var itemId = (string)added["item"]!["id"]!;
        Assert.Equal("conversation.item.done", Type(await client.ReceiveAsync(ct)));

        await client.SendAsync($$"""{"type":"conversation.item.retrieve","item_id":"{{itemId}}"}""", ct);
        var retrieved = await client.ReceiveAsync(ct);
        Assert.Equal("conversation.item.retrieved", Type(retrieved));
        Assert.Equal("The caller pressed 5.", (string?)retrieved["item"]!["content"]![0]!["text"]);

        // Assistant audio cannot be created, and an invented tool call id is refused.
        await client.SendAsync("""{"type":"conversation.item.create","item":{"type":"message","role":"assistant","content":[{"type":"output_audio"}]}}""", ct);
        Assert.Equal("invalid_value", (string?)(await client.ReceiveAsync(ct))["error"]!["code"]);
        await client.SendAsync("""{"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_made_up","output":"{}"}}""", ct);
        Assert.Equal("Tool call ID 'call_made_up' not found in conversation.", (string?)(await client.ReceiveAsync(ct))["error"]!["message"]);

        await client.SendAsync($$"""{"type":"conversation.item.delete","item_id":"{{itemId}}"}""", ct);
        Assert.Equal(itemId, (string?)(await client.ReceiveUntilAsync("conversation.item.deleted", ct))["item_id"]);
        await client.SendAsync($$"""{"type":"conversation.item.truncate","item_id":"{{itemId}}","content_index":0,"audio_end_ms":0}""", ct);
        Assert.Equal("item_id", (string?)(await client.ReceiveAsync(ct))["error"]!["param"]);

        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ConversationItemDelete_ConfirmsByItemId_RefusesAnUnknownIdWithItsEventId_AndTakesAFunctionCallsIdAlong()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);

        await client.SendAsync("""{"type":"conversation.item.create","item":{"type":"function_call","call_id":"call_1","name":"lookup","arguments":"{}"}}""", ct);
        var callId = (string)(await client.ReceiveUntilAsync("conversation.item.added", ct))["item"]!["id"]!;
        await client.ReceiveUntilAsync("conversation.item.done", ct);

        await client.SendAsync($$"""{"type":"conversation.item.delete","event_id":"delete_1","item_id":"{{callId}}"}""", ct);
        Assert.Equal(callId, (string?)(await client.ReceiveUntilAsync("conversation.item.deleted", ct))["item_id"]);

        // Gone: deleting it again is an error naming the client's event, and its call can no longer be answered.
        await client.SendAsync($$"""{"type":"conversation.item.delete","event_id":"delete_2","item_id":"{{callId}}"}""", ct);
        var refused = (await client.ReceiveUntilAsync("error", ct))["error"]!;
        Assert.Equal(("invalid_request_error", "invalid_value", "item_id", "delete_2"), ((string?)refused["type"], (string?)refused["code"], (string?)refused["param"], (string?)refused["event_id"]));
        await client.SendAsync("""{"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_1","output":"{}"}}""", ct);
        Assert.Equal("Tool call ID 'call_1' not found in conversation.", (string?)(await client.ReceiveUntilAsync("error", ct))["error"]!["message"]);
        await client.CloseAsync(ct);
    }

    [Fact]
    public async Task ScriptInInstructions_SpokenLineByLine_ThenBackToEchoing()
    {
        using var timeout = TestTimeout.Create();
        var ct = timeout.Token;
        await using var host = await EmulatorHost.StartAsync(ct);
        using var client = await ConnectAsync(host.RealtimeUri(), ct);
        await client.ReceiveUntilAsync("conversation.created", ct);
        var instructions = "You are Dana, calling to book a table.\n" + CallerScript.Heading + "\n1. Hello, I would like a table.\n2. For two, at eight.\nStay polite.";
        var session = EmulatorJson.VoiceServerSession.Replace(
            "You are a restaurant booking assistant.", System.Text.Json.JsonEncodedText.Encode(instructions).ToString(), StringComparison.Ordinal);
        await client.SendAsync(EmulatorJson.SessionUpdate(session, "cfg_1"), ct);
        await client.ReceiveUntilAsync("session.updated", ct);

        // The caller speaks first: a response.create with nothing to echo says the first line, not a chime.
        await client.SendAsync("""{"type":"response.create"}""", ct);
        var first = await client.ReceiveUntilAsync("response.done", ct);
        Assert.Equal("Hello, I would like a table.", (string?)first["response"]!["output"]![0]!["content"]![0]!["transcript"]);
        var firstAudio = client.Received.Where(e => Type(e) == "response.output_audio.delta").SelectMany(d => Convert.FromBase64String((string)d["delta"]!)).ToArray();
        Assert.Equal(SpokenLine.Synthesize("Hello, I would like a table."), firstAudio);

        // Hearing the other side's turn (server VAD, create_response) brings the second line.
        client.Received.Clear();
        await client.SendAudioAsync(AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking).Concat(s_oneSecondSilence).ToArray(), ct);
        var second = await client.ReceiveUntilAsync("response.done", ct);
        Assert.Equal("For two, at eight.", (string?)second["response"]!["output"]![0]!["content"]![0]!["transcript"]);
        Assert.Contains(client.Received, e => Type(e) == "response.output_audio_transcript.delta" && (string?)e["delta"] == "For two, at eight.");

        // The script is used up: the emulator is itself again.
        await client.SendAudioAsync(AudioFixtures.LoadMulaw(AudioFixtures.CallerBooking).Concat(s_oneSecondSilence).ToArray(), ct);
        var third = await client.ReceiveUntilAsync("response.done", ct);
        Assert.Equal("(echo)", (string?)third["response"]!["output"]![0]!["content"]![0]!["transcript"]);

        await client.CloseAsync(ct);
    }

    [Theory]
    [InlineData("No script here.", "")]
    [InlineData("Say these lines in order, one per turn, word for word:\n1. One.\n2. Two.\n\n3. Not after a gap.", "One.|Two.")]
    [InlineData("Persona.\r\nSay these lines in order, one per turn, word for word:\r\n  1. One.\r\n10. Ten.\r\nA. Not numbered.", "One.|Ten.")]
    public void CallerScript_ReadsTheNumberedLinesAfterTheHeading(string instructions, string expected)
    {
        var script = CallerScript.Parse(instructions);

        Assert.Equal(expected, string.Join('|', script));
    }

    private static Task<EmulatorHost> StartPacedHostAsync(CancellationToken cancellationToken) =>
        EmulatorHost.StartAsync(cancellationToken, services =>
        {
            services.AddSingleton<TimeProvider>(new FakeTimeProvider());
            services.Configure<RealtimeEmulatorOptions>(options => options.ResponseChunkInterval = TimeSpan.FromMilliseconds(100));
        });

    private static string Truncate(string itemId, string audioEndMs, string eventId) =>
        $$"""{"type":"conversation.item.truncate","event_id":"{{eventId}}","item_id":"{{itemId}}","content_index":0,"audio_end_ms":{{audioEndMs}}}""";

    /// <summary>The closing events of a cancelled audio response, in the real API's order.</summary>
    private static async Task<JsonObject> AssertCancelledAsync(RealtimeTestClient client, string reason, CancellationToken cancellationToken)
    {
        string[] expected =
        [
            "response.output_audio.done", "response.output_audio_transcript.done", "response.content_part.done",
            "response.output_item.done", "conversation.item.done", "response.done",
        ];
        JsonObject last = null!;
        foreach (var type in expected)
        {
            last = await client.ReceiveAsync(cancellationToken);
            Assert.Equal(type, Type(last));
        }

        var response = last["response"]!;
        Assert.Equal("cancelled", (string?)response["status"]);
        Assert.Equal("cancelled", (string?)response["status_details"]!["type"]);
        Assert.Equal(reason, (string?)response["status_details"]!["reason"]);
        Assert.Equal("incomplete", (string?)response["output"]![0]!["status"]);
        return last;
    }
}
