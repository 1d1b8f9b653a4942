using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Audio;
using VoiceServer.Conversation;
using VoiceServer.Legs;
using VoiceServer.Records;

namespace VoiceServer.OpenAI.Tests;

public sealed class RealtimeProtocolTests
{
    [Fact]
    public void SessionUpdate_HasTheGaShapeAndNoTemperature()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest("Be brief.", "marin", InterruptResponse: true), "evt_1"))!;

        Assert.Equal("session.update", (string?)json["type"]);
        Assert.Equal("evt_1", (string?)json["event_id"]);
        var session = json["session"]!.AsObject();
        Assert.Equal("realtime", (string?)session["type"]);
        Assert.Equal("Be brief.", (string?)session["instructions"]);
        Assert.Equal("audio/pcmu", (string?)session["audio"]!["input"]!["format"]!["type"]);
        Assert.Equal("audio/pcmu", (string?)session["audio"]!["output"]!["format"]!["type"]);
        Assert.Equal("marin", (string?)session["audio"]!["output"]!["voice"]);
        var vad = session["audio"]!["input"]!["turn_detection"]!;
        Assert.Equal("server_vad", (string?)vad["type"]);
        Assert.Equal(500, (int)vad["silence_duration_ms"]!);
        Assert.True((bool)vad["interrupt_response"]!);
        Assert.Equal(["type", "output_modalities", "instructions", "audio"], session.Select(p => p.Key));
    }

    [Fact]
    public void SessionUpdate_Pcm24Call_AsksForAudioPcmAt24kHzBothWays()
    {
        var request = new ModelSessionRequest(null, "marin", true, AudioFormat: ModelAudioFormat.Pcm24);
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(request, "e"))!;

        var audio = json["session"]!["audio"]!;
        Assert.Equal("""{"type":"audio/pcm","rate":24000}""", audio["input"]!["format"]!.ToJsonString());
        Assert.Equal("""{"type":"audio/pcm","rate":24000}""", audio["output"]!["format"]!.ToJsonString());
    }

    [Fact]
    public void SessionUpdate_MuLawCall_FormatHasNoRate()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "marin", true), "e"))!;

        Assert.Equal("""{"type":"audio/pcmu"}""", json["session"]!["audio"]!["input"]!["format"]!.ToJsonString());
    }

    [Fact]
    public void SessionUpdate_WithoutPrompt_OmitsInstructions()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "alloy", true), "e"))!;
        Assert.False(json["session"]!.AsObject().ContainsKey("instructions"));
    }

    [Fact]
    public void SessionUpdate_WithTranscriptionModel_AsksForInputTranscription()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "alloy", true, "gpt-4o-mini-transcribe"), "e"))!;
        Assert.Equal("gpt-4o-mini-transcribe", (string?)json["session"]!["audio"]!["input"]!["transcription"]!["model"]);
    }

    [Fact]
    public void ConversationItem_ReplaysCallerAsUserInputTextAndAgentAsAssistantOutputText()
    {
        var caller = Encoding.UTF8.GetString(RealtimeEventWriter.ConversationItem(Speaker.Caller, "Is it \"open\"?"));
        var agent = Encoding.UTF8.GetString(RealtimeEventWriter.ConversationItem(Speaker.Agent, "Yes."));

        Assert.Equal("""{"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Is it \u0022open\u0022?"}]}}""", caller);
        Assert.Equal("""{"type":"conversation.item.create","item":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Yes."}]}}""", agent);
    }

    [Fact]
    public void TranscriptEvents_AreReadWithTheirText()
    {
        var delta = Encoding.UTF8.GetBytes("""{"type":"response.output_audio_transcript.delta","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"caf\u00e9 "}""");
        var done = Encoding.UTF8.GetBytes("""{"type":"response.output_audio_transcript.done","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"transcript":"café ouvert"}""");
        var input = Encoding.UTF8.GetBytes("""{"type":"conversation.item.input_audio_transcription.completed","item_id":"item_u","content_index":0,"transcript":"Hello?","usage":{"type":"duration","seconds":1}}""");
        var committed = Encoding.UTF8.GetBytes("""{"type":"input_audio_buffer.committed","previous_item_id":null,"item_id":"item_u"}""");

        Assert.True(RealtimeEventReader.TryRead(delta, new byte[delta.Length], out var deltaEvent, out _));
        Assert.Equal(RealtimeEventType.OutputTranscriptDelta, deltaEvent.Type);
        Assert.Equal("café ", Encoding.UTF8.GetString(deltaEvent.Delta));
        Assert.True(RealtimeEventReader.TryRead(done, new byte[done.Length], out var doneEvent, out _));
        Assert.Equal(RealtimeEventType.OutputTranscriptDone, doneEvent.Type);
        Assert.Equal("café ouvert", Encoding.UTF8.GetString(doneEvent.Transcript));
        Assert.True(RealtimeEventReader.TryRead(input, new byte[input.Length], out var inputEvent, out _));
        Assert.Equal(RealtimeEventType.InputTranscriptCompleted, inputEvent.Type);
        Assert.Equal("item_u", Encoding.UTF8.GetString(inputEvent.ItemId));
        Assert.Equal("Hello?", Encoding.UTF8.GetString(inputEvent.Transcript));
        Assert.True(RealtimeEventReader.TryRead(committed, new byte[committed.Length], out var committedEvent, out _));
        Assert.Equal(RealtimeEventType.InputCommitted, committedEvent.Type);
        Assert.Equal("item_u", Encoding.UTF8.GetString(committedEvent.ItemId));
    }

    [Fact]
    public void FailedResponse_ReportsItsErrorType()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"resp_1","status":"failed","status_details":{"type":"failed","error":{"type":"server_error","code":null,"message":"The server had an error."}}}""");
        Assert.Equal(("resp_1", "failed", "server_error", null, null, null), RealtimeEventReader.ReadResponse(body));
    }

    [Fact]
    public void ResponseDone_UsageIsRead()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"resp_1","status":"completed","usage":{"total_tokens":390,"input_tokens":120,"output_tokens":270,"input_token_details":{"text_tokens":100,"audio_tokens":20,"image_tokens":0,"cached_tokens":64,"cached_tokens_details":{"text_tokens":60,"audio_tokens":4,"image_tokens":0}},"output_token_details":{"text_tokens":30,"audio_tokens":240}}}""");
        var (id, status, errorType, usage, _, _) = RealtimeEventReader.ReadResponse(body);
        Assert.Equal(("resp_1", "completed", null), (id, status, errorType));
        Assert.Equal(new ModelUsage(100, 20, 60, 4, 30, 240), usage);
    }

    [Fact]
    public void OutOfBandResponse_IsTextOnlyOutsideTheConversation_ToolFree_AndTagged()
    {
        var json = Encoding.UTF8.GetString(RealtimeEventWriter.CreateOutOfBandResponse("Summarise.", "handoff_summary", "evt_s1"));
        Assert.Equal(
            """{"type":"response.create","event_id":"evt_s1","response":{"instructions":"Summarise.","conversation":"none","output_modalities":["text"],"tool_choice":"none","metadata":{"voice_server_purpose":"handoff_summary"}}}""",
            json);
    }

    [Fact]
    public void SystemMessage_IsASystemInputTextItem()
    {
        var json = Encoding.UTF8.GetString(RealtimeEventWriter.SystemMessage("Context."));
        Assert.Equal("""{"type":"conversation.item.create","item":{"type":"message","role":"system","content":[{"type":"input_text","text":"Context."}]}}""", json);
    }

    [Fact]
    public void SessionUpdate_ThatReplacesAll_ClearsInstructionsAndTools()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "marin", true, ReplacesAll: true), "e"))!;
        Assert.Equal(string.Empty, (string?)json["session"]!["instructions"]);
        Assert.Empty(json["session"]!["tools"]!.AsArray());

        var kept = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "marin", true), "e"))!;
        Assert.False(kept["session"]!.AsObject().ContainsKey("instructions"));
        Assert.False(kept["session"]!.AsObject().ContainsKey("tools"));
    }

    [Fact]
    public void OutOfBandResponseDone_ItsPurposeAndTextAreRead()
    {
        var body = Encoding.UTF8.GetBytes("""{"object":"realtime.response","id":"resp_9","status":"completed","output":[{"id":"item_9","type":"message","role":"assistant","content":[{"type":"output_text","text":"The caller "},{"type":"output_text","text":"wants a refund."}]}],"conversation_id":null,"metadata":{"voice_server_purpose":"handoff_summary"}}""");
        var (id, status, _, _, purpose, text) = RealtimeEventReader.ReadResponse(body);
        Assert.Equal(("resp_9", "completed", "handoff_summary", "The caller wants a refund."), (id, status, purpose, text));

        // The conversation's own responses carry no purpose (no metadata, or someone else's), and their text is not read.
        var ordinary = RealtimeEventReader.ReadResponse(Encoding.UTF8.GetBytes("""{"id":"resp_1","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"x"}]}],"metadata":{"other":"y"}}"""));
        Assert.Null(ordinary.Purpose);
        Assert.Null(ordinary.Text);
    }

    [Fact]
    public void Truncate_AudioEndMsIsAnInteger()
    {
        var json = Encoding.UTF8.GetString(RealtimeEventWriter.Truncate("item_1", 0, 1050));
        Assert.Equal("""{"type":"conversation.item.truncate","item_id":"item_1","content_index":0,"audio_end_ms":1050}""", json);
    }

    [Fact]
    public void AudioDelta_IsReadInPlace()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"type":"response.output_audio.delta","event_id":"e1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":1,"delta":"//8A"}""");

        Assert.True(RealtimeEventReader.TryRead(bytes, new byte[bytes.Length], out var serverEvent, out _));
        Assert.Equal(RealtimeEventType.AudioDelta, serverEvent.Type);
        Assert.Equal("resp_1", Encoding.UTF8.GetString(serverEvent.ResponseId));
        Assert.Equal("item_1", Encoding.UTF8.GetString(serverEvent.ItemId));
        Assert.Equal(1, serverEvent.ContentIndex);
        Assert.Equal("//8A", Encoding.UTF8.GetString(serverEvent.Delta));
    }

    [Fact]
    public void SessionUpdated_FormatsAreChecked()
    {
        var body = Encoding.UTF8.GetBytes("""{"type":"realtime","audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":{"type":"server_vad","interrupt_response":false}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"ash"}}}""");

        var state = RealtimeEventReader.ReadSession(body);

        Assert.True(state.InputIsMuLaw);
        Assert.False(state.OutputIsMuLaw);
        Assert.Equal("audio/pcm", state.OutputFormat);
        Assert.Equal("ash", state.Voice);
        Assert.False(state.InterruptResponse);
    }

    [Theory]
    [InlineData("""{"type":"audio/pcm","rate":24000}""", true)]
    [InlineData("""{"type":"audio/pcm"}""", true)]
    [InlineData("""{"type":"audio/pcm","rate":16000}""", false)]
    [InlineData("""{"type":"audio/pcmu"}""", false)]
    public void SessionUpdated_Pcm24_OnlyAudioPcmAt24kHz(string format, bool isPcm24)
    {
        var body = Encoding.UTF8.GetBytes("""{"type":"realtime","audio":{"input":{"format":""" + format + """},"output":{"format":""" + format + ""","voice":"ash"}}}""");

        var state = RealtimeEventReader.ReadSession(body);

        Assert.Equal(isPcm24, state.CarriesBothWays(ModelAudioFormat.Pcm24));
        Assert.Equal(isPcm24, state.InputIsPcm24 && state.OutputIsPcm24);
    }

    [Fact]
    public void Error_EchoesTheClientEventId()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"type":"error","event_id":"evt_9","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.temperature'.","param":"session.temperature","event_id":"cfg_1"}}""");

        Assert.True(RealtimeEventReader.TryRead(bytes, new byte[bytes.Length], out var serverEvent, out _));
        var error = RealtimeEventReader.ReadError(serverEvent.Body);

        Assert.Equal(RealtimeEventType.Error, serverEvent.Type);
        Assert.Equal(("unknown_parameter", "cfg_1", "session.temperature"), (error.Code, error.EventId, error.Param));
    }

    [Theory]
    [InlineData("wss://api.openai.com/v1/realtime", "gpt-realtime", "wss://api.openai.com/v1/realtime?model=gpt-realtime", false)]
    [InlineData("wss://my.openai.azure.com/openai/v1/realtime", "my-deployment", "wss://my.openai.azure.com/openai/v1/realtime?model=my-deployment", true)]
    [InlineData("ws://127.0.0.1:5000/openai/v1/realtime", "d", "ws://127.0.0.1:5000/openai/v1/realtime?model=d", true)]
    public void Connector_BuildsModelUrlAndPicksHeader(string baseUrl, string model, string expected, bool apiKeyHeader)
    {
        var uri = RealtimeConnector.BuildUri(new Uri(baseUrl), model);

        Assert.Equal(expected, uri.ToString());
        Assert.Equal(apiKeyHeader, RealtimeConnector.UsesApiKeyHeader(RealtimeAuthHeader.Auto, uri));
        Assert.True(RealtimeConnector.UsesApiKeyHeader(RealtimeAuthHeader.ApiKey, uri));
        Assert.False(RealtimeConnector.UsesApiKeyHeader(RealtimeAuthHeader.Bearer, uri));
    }
}
