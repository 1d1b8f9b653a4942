using System.Text;

namespace VoiceServer.Telnyx.Tests;

/// <summary>Every inbound frame, written by hand from telnyx-media-streaming.md §3 (never by the production code).</summary>
public sealed class TelnyxMessageReaderTests
{
    private const string StreamId = "32DE0DEA-53CB-4B21-89A4-9E1819C043BC";
    private const string CallControlId = "v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ";

    // Telnyx's published example (§3.3), with voice-server's parameters.
    private const string PublishedStart = """
        {
          "event": "start",
          "sequence_number": "1",
          "stream_id": "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
          "start": {
            "user_id": "3E6F995F-85F7-4705-9741-53B116D28237",
            "call_control_id": "v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ",
            "call_session_id": "ff55a038-6f5d-11ef-9692-02420aeffb1f",
            "from": "+13122010094",
            "to": "+13122123456",
            "tags": ["TAG1", "TAG2"],
            "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
            "custom_parameters": { "agentId": "support-en", "voice": "marin" },
            "media_format": { "encoding": "PCMU", "sample_rate": 8000, "channels": 1 }
          }
        }
        """;

    [Fact]
    public void Start_PublishedExample_MapsToTheCallersStart()
    {
        var message = Read(PublishedStart, out var ok, out var problem);

        Assert.True(ok, problem);
        Assert.Equal(TelnyxEvent.Start, message.Event);
        var start = message.Start!;
        Assert.Equal(StreamId, start.Caller.StreamSid);
        Assert.Equal(CallControlId, start.Caller.CallSid);
        Assert.Null(start.Caller.AccountSid);
        Assert.Equal("audio/x-mulaw", start.Caller.Encoding);
        Assert.Equal(8000, start.Caller.SampleRate);
        Assert.Equal(1, start.Caller.Channels);
        Assert.Equal("support-en", start.Caller.CustomParameters["agentId"]);
        Assert.Equal("marin", start.Caller.CustomParameters["voice"]);
        Assert.Equal("+13122010094", start.From);
        Assert.Equal("+13122123456", start.To);
    }

    [Fact]
    public void Start_StreamIdAfterTheStartObject_StillRead()
    {
        var json = """{"event":"start","start":{"call_control_id":"v3:abc","media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}},"stream_id":"S1"}""";

        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal("S1", message.Start!.Caller.StreamSid);
        Assert.Equal("v3:abc", message.Start.Caller.CallSid);
        Assert.Empty(message.Start.Caller.CustomParameters);
    }

    [Fact]
    public void Start_OtherEncoding_PassedThroughForTheSessionToRefuse()
    {
        var json = """{"event":"start","stream_id":"S1","start":{"media_format":{"encoding":"L16","sample_rate":16000,"channels":1}}}""";

        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal("L16", message.Start!.Caller.Encoding);
        Assert.Equal(16000, message.Start.Caller.SampleRate);
    }

    [Fact]
    public void Start_StreamIdInsideStart_IsNotTheStreamId()
    {
        // Pitfall 2 (§8): the id is top-level; a Twilio-shaped start carries none.
        var json = """{"event":"start","start":{"stream_id":"S1","media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}}}""";

        Read(json, out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal("start without a stream_id", problem);
    }

    [Theory]
    [InlineData("""{"event":"start","stream_id":"S1"}""", "start without a start object")]
    [InlineData("""{"event":"start","stream_id":"S1","start":null}""", "start without a start object")]
    [InlineData("""{"event":"start","stream_id":"S1","start":{"custom_parameters":{"agentId":1}}}""", "start is malformed (custom_parameters must map names to strings)")]
    [InlineData("""{"event":"start","stream_id":"S1","start":"text"}""", "start without a start object")]
    [InlineData("""{"event":"media","stream_id":"S1","media":{"track":"inbound"}}""", "media without a payload")]
    [InlineData("""{"event":"media","media":"AAAA"}""", "media is not an object")]
    [InlineData("""{"event":"mark","mark":{}}""", "mark without a name")]
    [InlineData("""{"event":"mark","mark":"m1"}""", "mark is not an object")]
    [InlineData("""[1,2]""", "not a JSON object")]
    [InlineData("""{"event":"media",""", "malformed JSON")]
    public void Malformed_RefusedWithAReason(string json, string expected)
    {
        Read(json, out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("\"40\"", 40)]
    [InlineData("40", 40)]
    [InlineData("\"-1\"", -1)]
    [InlineData("\"4x\"", -1)]
    [InlineData("null", -1)]
    public void Media_PayloadInPlace_TimestampAsStringOrNumber(string timestamp, long expected)
    {
        var payload = Convert.ToBase64String(Enumerable.Range(0, 160).Select(i => (byte)i).ToArray());
        var json = $$$"""{"event":"media","sequence_number":"4","stream_id":"{{{StreamId}}}","media":{"track":"inbound","chunk":"2","timestamp":{{{timestamp}}},"payload":"{{{payload}}}"}}""";

        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal(TelnyxEvent.Media, message.Event);
        Assert.Equal(payload, message.PayloadText);
        Assert.Equal(expected, message.TimestampMs);
    }

    [Fact]
    public void Media_EscapedSlashInPayload_Unescaped()
    {
        var json = """{"event":"media","media":{"payload":"ab\/cd"}}""";

        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal("ab/cd", message.PayloadText);
    }

    [Fact]
    public void Mark_NameReturned()
    {
        var message = Read("""{"event":"mark","sequence_number":"9","stream_id":"S1","mark":{"name":"a:g3:m17"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(TelnyxEvent.Mark, message.Event);
        Assert.Equal("a:g3:m17", message.MarkText);
    }

    [Fact]
    public void Dtmf_DigitRead()
    {
        var message = Read("""{"event":"dtmf","sequence_number":"7","stream_id":"S1","dtmf":{"digit":"#"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(TelnyxEvent.Dtmf, message.Event);
        Assert.Equal("#", message.Digit);
    }

    [Fact]
    public void Error_CodeAndTitleRead_NumberOrString()
    {
        var message = Read("""{"event":"error","sequence_number":"10","stream_id":"S1","payload":{"code":100002,"title":"Unknown error","detail":"x"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(TelnyxEvent.Error, message.Event);
        Assert.Equal("100002", message.ErrorCode);
        Assert.Equal("Unknown error", message.ErrorTitle);
    }

    [Theory]
    [InlineData("""{"event":"connected","version":"1.0.0"}""", nameof(TelnyxEvent.Connected))]
    [InlineData("""{"event":"connected","version":"1.0.0","connected":{"x-telnyx-streaming-auth-token":"t"}}""", nameof(TelnyxEvent.Connected))]
    [InlineData("""{"event":"stop","sequence_number":"378","stream_id":"S1","stop":{"user_id":"u","call_control_id":"v3:abc"}}""", nameof(TelnyxEvent.Stop))]
    [InlineData("""{"event":"something_new","stream_id":"S1"}""", nameof(TelnyxEvent.Unknown))]
    [InlineData("""{"event":7}""", nameof(TelnyxEvent.Unknown))]
    public void OtherEvents_Recognised(string json, string expected)
    {
        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal(expected, message.Event.ToString());
    }

    [Fact]
    public void TwilioShapedMedia_PayloadStillFound_ButTwilioNamesAreIgnored()
    {
        // A Twilio frame on this socket: camelCase names mean nothing here, the payload is where both put it.
        var message = Read("""{"event":"media","streamSid":"MZ1","sequenceNumber":"3","media":{"payload":"AAAA"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal("AAAA", message.PayloadText);
    }

    private static ReadResult Read(string json, out bool ok, out string? problem)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var scratch = new byte[bytes.Length];
        ok = TelnyxMessageReader.TryRead(bytes, scratch, out var message, out problem);
        return new ReadResult(
            message.Event,
            Encoding.UTF8.GetString(message.Payload),
            message.MediaTimestampMs,
            Encoding.UTF8.GetString(message.MarkName),
            message.Digit,
            message.Start,
            message.ErrorCode,
            message.ErrorTitle);
    }

    private sealed record ReadResult(
        TelnyxEvent Event,
        string PayloadText,
        long TimestampMs,
        string MarkText,
        string? Digit,
        TelnyxStart? Start,
        string? ErrorCode,
        string? ErrorTitle);
}
