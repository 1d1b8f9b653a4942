using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Legs;
using VoiceServer.OpenAI;

namespace VoiceServer.Core.Tests.OpenAI;

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
    public void SessionUpdate_WithoutPrompt_OmitsInstructions()
    {
        var json = JsonNode.Parse(RealtimeEventWriter.SessionUpdate(new ModelSessionRequest(null, "alloy", true), "e"))!;
        Assert.False(json["session"]!.AsObject().ContainsKey("instructions"));
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
