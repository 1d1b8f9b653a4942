using System.Text;

namespace VoiceServer.Vonage.Tests;

/// <summary>The first message and the events, written by hand from vonage-voice-websockets.md §3.</summary>
public sealed class VonageMessageReaderTests
{
    [Fact]
    public void FirstMessage_OlderShapeWithoutEvent_Read()
    {
        var start = VonageMessageReader.ReadFirstMessage("""{"app":"demo","content-type":"audio/l16;rate=16000"}"""u8, null, out var problem);

        Assert.Null(problem);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "demo" }, start!.CustomParameters);
        Assert.Null(start.CallSid);
        Assert.Equal(16000, start.SampleRate);
    }

    [Fact]
    public void FirstMessage_NumbersAndBooleansAsTheirText_NullsSkipped()
    {
        var start = VonageMessageReader.ReadFirstMessage("""{"content-type":"audio/l16;rate=16000","temperature":0.7,"endCall":true,"voice":null}"""u8, null, out _);

        Assert.Equal(new Dictionary<string, string> { ["temperature"] = "0.7", ["endCall"] = "true" }, start!.CustomParameters);
    }

    [Theory]
    [InlineData("""{"content-type":"audio/l16;rate=16000","prompt":{"nested":"x"}}""", "a header of the first message is not a string")]
    [InlineData("""{"content-type":"audio/l16;rate=16000","CallSid":"../../v1/calls/other"}""", "the first message has an invalid CallSid")]
    [InlineData("""{"content-type":"audio/l16;rate=16000","CallSid":"aaaa?x=1"}""", "the first message has an invalid CallSid")]
    [InlineData("""["content-type"]""", "the first message is not a JSON object")]
    [InlineData("""{"content-type":""", "the first message is not JSON")]
    public void FirstMessage_Hostile_Refused(string json, string expected)
    {
        var start = VonageMessageReader.ReadFirstMessage(Encoding.UTF8.GetBytes(json), null, out var problem);

        Assert.Null(start);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void FirstMessage_OverlongCallSid_Refused()
    {
        var json = $$"""{"content-type":"audio/l16;rate=16000","CallSid":"{{new string('a', 65)}}"}""";

        Assert.Null(VonageMessageReader.ReadFirstMessage(Encoding.UTF8.GetBytes(json), null, out _));
    }

    [Fact]
    public void FirstMessage_UpgradeParametersWin_OverHeadersOfTheSameName()
    {
        var json = """{"content-type":"audio/l16;rate=16000","config":"header-token","config.0":"part","agentId":"a"}"""u8;

        var start = VonageMessageReader.ReadFirstMessage(json, new Dictionary<string, string> { ["config"] = "upgrade-token" }, out _);

        Assert.Equal(new Dictionary<string, string> { ["config"] = "upgrade-token", ["agentId"] = "a" }, start!.CustomParameters);
    }

    [Theory]
    [InlineData("audio/l16;rate=16000", "audio/l16", 16000)]
    [InlineData("Audio/L16; rate=8000", "audio/l16", 8000)]
    [InlineData("audio/l16;rate=24000", "audio/l16", 24000)]
    [InlineData("audio/l16", "audio/l16", null)]
    [InlineData("audio/l16;rate=sixteen", "audio/l16", null)]
    [InlineData("", null, null)]
    [InlineData(null, null, null)]
    public void ContentType_Parsed(string? contentType, string? encoding, int? rate)
    {
        Assert.Equal((encoding, rate), VonageMessageReader.ParseContentType(contentType));
    }

    [Fact]
    public void Notify_MarkWithEscapes_Unescaped()
    {
        var json = """{"event":"websocket:notify","payload":{"mark":"a:g1:m\u0031"}}"""u8;
        var scratch = new byte[json.Length];

        var kind = VonageMessageReader.ReadEvent(json, scratch, out var mark, out _, out _);

        Assert.Equal(VonageEvent.Notify, kind);
        Assert.Equal("a:g1:m1", Encoding.UTF8.GetString(mark));
    }

    [Theory]
    [InlineData("""{"event":"websocket:dtmf","digit":"#","duration":260}""", "#")]
    [InlineData("""{"event":"websocket:dtmf","digit":5}""", "5")]
    [InlineData("""{"event":"websocket:dtmf","dtmf":{"digit":"a","duration":100}}""", "A")]
    public void Dtmf_BothShapes(string json, string digit)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Equal(VonageEvent.Dtmf, VonageMessageReader.ReadEvent(bytes, new byte[bytes.Length], out _, out var read, out _));
        Assert.Equal(digit, read);
    }

    [Theory]
    [InlineData("""{"event":"websocket:dtmf","digit":"55"}""", "websocket:dtmf without a digit")]
    [InlineData("""{"event":"websocket:dtmf","digit":"\""}""", "websocket:dtmf without a digit")]
    [InlineData("""{"event":"websocket:notify","payload":{}}""", "websocket:notify without payload.mark")]
    [InlineData("""{"event":"websocket:notify","payload":"a:g1:m1"}""", "websocket:notify without payload.mark")]
    [InlineData("""{"event":"clearAudio"}""", "unknown event")]
    [InlineData("""{"event":""", "malformed JSON")]
    [InlineData("""[]""", "not a JSON object")]
    public void Events_Malformed_Named(string json, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Equal(VonageEvent.Unknown, VonageMessageReader.ReadEvent(bytes, new byte[bytes.Length], out _, out _, out var problem));
        Assert.Equal(expected, problem);
    }
}
