using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Telnyx.Tests;

/// <summary>The outbound frames are exactly telnyx-media-streaming.md §4's shapes: no stream id, no extra field.</summary>
public sealed class TelnyxMessageWriterTests
{
    [Fact]
    public void Media_IsTheDocumentedShape_PayloadUnchanged()
    {
        var payload = "//+/AAEC" + new string('A', 212);

        var json = Concat(TelnyxMessageWriter.MediaPrefix, Encoding.UTF8.GetBytes(payload), TelnyxMessageWriter.ObjectSuffix);

        Assert.Equal($$$"""{"event":"media","media":{"payload":"{{{payload}}}"}}""", json);
        var expected = new JsonObject { ["event"] = "media", ["media"] = new JsonObject { ["payload"] = payload } };
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(json)));
    }

    [Fact]
    public void Mark_IsTheDocumentedShape()
    {
        var json = Concat(TelnyxMessageWriter.MarkPrefix, "a:g3:m17"u8, TelnyxMessageWriter.ObjectSuffix);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "event": "mark", "mark": { "name": "a:g3:m17" } }"""), JsonNode.Parse(json)));
    }

    [Fact]
    public void Clear_IsTheDocumentedShape()
    {
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "event": "clear" }"""), JsonNode.Parse(Encoding.UTF8.GetString(TelnyxMessageWriter.Clear))));
    }

    private static string Concat(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third) =>
        Encoding.UTF8.GetString([.. first, .. second, .. third]);
}
