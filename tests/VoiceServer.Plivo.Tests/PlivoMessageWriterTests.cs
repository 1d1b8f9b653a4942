using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Plivo.Tests;

/// <summary>The outbound frames are exactly plivo-audio-streams.md §4's shapes.</summary>
public sealed class PlivoMessageWriterTests
{
    private const string StreamId = "20170ada-f610-433b-8758-c02a2aab3662";

    [Fact]
    public void PlayAudio_IsTheDocumentedShape_PayloadUnchanged()
    {
        var payload = "//+/AAEC" + new string('A', 212);

        var json = Concat(PlivoMessageWriter.PlayAudioPrefix, Encoding.UTF8.GetBytes(payload), PlivoMessageWriter.PlayAudioSuffix);

        Assert.Equal($$$"""{"event":"playAudio","media":{"contentType":"audio/x-mulaw","sampleRate":8000,"payload":"{{{payload}}}"}}""", json);
        var expected = JsonNode.Parse($$"""
            { "event": "playAudio", "media": { "contentType": "audio/x-mulaw", "sampleRate": 8000, "payload": "{{payload}}" } }
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(json)));
    }

    [Fact]
    public void Checkpoint_IsTheDocumentedShape()
    {
        var writer = new PlivoMessageWriter(StreamId);

        var json = Concat(writer.CheckpointPrefix, "item_abc:g3:m17"u8, PlivoMessageWriter.CheckpointSuffix);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "event": "checkpoint", "streamId": "20170ada-f610-433b-8758-c02a2aab3662", "name": "item_abc:g3:m17" }"""),
            JsonNode.Parse(json)));
    }

    [Fact]
    public void ClearAudio_IsTheDocumentedShape()
    {
        var writer = new PlivoMessageWriter(StreamId);

        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{ "event": "clearAudio", "streamId": "20170ada-f610-433b-8758-c02a2aab3662" }"""),
            JsonNode.Parse(Encoding.UTF8.GetString(writer.ClearAudio))));
    }

    private static string Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third) =>
        Encoding.UTF8.GetString([.. first, .. second, .. third]);
}
