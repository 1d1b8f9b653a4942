using System.Text;
using VoiceServer.Legs;

namespace VoiceServer.Plivo.Tests;

/// <summary>Every inbound frame, written by hand from plivo-audio-streams.md §3 (never by the production code).</summary>
public sealed class PlivoMessageReaderTests
{
    private const string StreamId = "87654321-4321-4321-4321-cba987654321";
    private const string CallId = "12345678-1234-1234-1234-123456789abc";

    // Plivo's published example (§3.2).
    private const string PublishedStart = """
        {
          "event": "start",
          "sequenceNumber": 1,
          "start": {
            "callId": "12345678-1234-1234-1234-123456789abc",
            "streamId": "87654321-4321-4321-4321-cba987654321",
            "accountId": "MAXXXXXXXXXXXXXXXXXX",
            "tracks": ["inbound"],
            "mediaFormat": { "encoding": "audio/x-mulaw", "sampleRate": 8000 }
          },
          "extra_headers": "userId=12345;sessionId=abc-xyz"
        }
        """;

    [Fact]
    public void Start_PublishedExample_MapsToTheCallersStart()
    {
        var message = Read(PublishedStart, out var ok, out var problem);

        Assert.True(ok, problem);
        Assert.Equal(PlivoEvent.Start, message.Event);
        var start = message.Start!;
        Assert.Equal(StreamId, start.StreamSid);
        Assert.Equal(CallId, start.CallSid);
        Assert.Equal("MAXXXXXXXXXXXXXXXXXX", start.AccountSid);
        Assert.Equal("audio/x-mulaw", start.Encoding);
        Assert.Equal(8000, start.SampleRate);
        Assert.Equal(1, start.Channels);
        Assert.Equal(new Dictionary<string, string> { ["userId"] = "12345", ["sessionId"] = "abc-xyz" }, start.CustomParameters);
    }

    [Fact]
    public void Start_CommaSeparatedExtraHeaders_AsTheXmlWritesThem()
    {
        var message = Read(PublishedStart.Replace("userId=12345;sessionId=abc-xyz", "agentId=supporten,voice=marin", StringComparison.Ordinal), out var ok, out _);

        Assert.True(ok);
        Assert.Equal(new Dictionary<string, string> { ["agentId"] = "supporten", ["voice"] = "marin" }, message.Start!.CustomParameters);
    }

    [Fact]
    public void Start_WithoutExtraHeaders_HasNoParameters()
    {
        var message = Read("""{"event":"start","sequenceNumber":1,"start":{"callId":"c-1","streamId":"s-1","mediaFormat":{"encoding":"audio/x-l16","sampleRate":16000}}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Empty(message.Start!.CustomParameters);
        Assert.Equal("audio/x-l16", message.Start.Encoding);
        Assert.Equal(16000, message.Start.SampleRate);
    }

    [Theory]
    [InlineData("""{"event":"start","sequenceNumber":1}""", "start without a start object")]
    [InlineData("""{"event":"start","start":"x"}""", "start without a start object")]
    [InlineData("""{"event":"start","start":{"callId":"c-1"}}""", "start without a valid streamId")]
    [InlineData("""{"event":"start","start":{"callId":"c-1","streamId":"s\"},\"event\":\"x"}}""", "start without a valid streamId")]
    [InlineData("""{"event":"start","start":{"callId":"c-1","streamId":"../../x"}}""", "start without a valid streamId")]
    [InlineData("""{"event":"start","start":{"callId":"../Call/other","streamId":"s-1"}}""", "start with an invalid callId")]
    [InlineData("""{"event":"start","start":{"callId":"c-1","streamId":"s-1","mediaFormat":{"sampleRate":"8000"}}}""", "start is malformed")]
    public void Start_Malformed_IsRefusedWithAReason(string json, string expected)
    {
        Read(json, out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal(expected, problem);
    }

    [Fact]
    public void Start_OverlongStreamId_IsRefused()
    {
        Read($$$"""{"event":"start","start":{"callId":"c-1","streamId":"{{{new string('a', 65)}}}"}}""", out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal("start without a valid streamId", problem);
    }

    [Fact]
    public void Start_ExtraHeadersLongerThanPlivoAllows_IsRefused()
    {
        Read($$"""{"event":"start","start":{"callId":"c-1","streamId":"s-1"},"extra_headers":"a={{new string('b', 511)}}"}""", out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal("extra_headers longer than Plivo allows", problem);
    }

    [Fact]
    public void Media_PayloadInPlace_TimestampAsString()
    {
        var message = Read($$"""{"event":"media","sequenceNumber":2,"streamId":"{{StreamId}}","media":{"track":"inbound","timestamp":"1720000000123","chunk":1,"payload":"//+/AAEC"},"extra_headers":"userId=12345"}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.Media, message.Event);
        Assert.Equal("//+/AAEC", message.Payload);
        Assert.Equal(1720000000123, message.TimestampMs);
    }

    [Fact]
    public void Media_NumericTimestamp_Accepted()
    {
        var message = Read("""{"event":"media","media":{"timestamp":40,"payload":"AAEC"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(40, message.TimestampMs);
    }

    [Fact]
    public void Media_EscapedPayload_IsUnescaped()
    {
        var message = Read("""{"event":"media","media":{"payload":"\/\/+\/AAEC"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal("//+/AAEC", message.Payload);
        Assert.Equal(-1, message.TimestampMs);
    }

    [Theory]
    [InlineData("""{"event":"media","media":{"timestamp":"1"}}""", "media without a payload")]
    [InlineData("""{"event":"media","media":"AAEC"}""", "media is not an object")]
    [InlineData("""{"event":"media","media":{"payload":"AAEC"}""", "malformed JSON")]
    [InlineData("""[1,2]""", "not a JSON object")]
    public void Media_Malformed_IsRefusedWithAReason(string json, string expected)
    {
        Read(json, out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal(expected, problem);
    }

    [Theory]
    [InlineData("playedStream")]
    [InlineData("played")]
    public void PlayedStream_CarriesTheCheckpointName(string eventName)
    {
        var message = Read($$"""{"event":"{{eventName}}","sequenceNumber":40,"streamId":"{{StreamId}}","name":"item_abc:g3:m17"}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.PlayedStream, message.Event);
        Assert.Equal("item_abc:g3:m17", message.CheckpointName);
    }

    [Fact]
    public void PlayedStream_WithoutName_IsRefused()
    {
        Read("""{"event":"playedStream","sequenceNumber":40}""", out var ok, out var problem);

        Assert.False(ok);
        Assert.Equal("playedStream without a name", problem);
    }

    [Fact]
    public void ClearedAudio_IsRecognised()
    {
        var message = Read($$"""{"event":"clearedAudio","sequenceNumber":41,"streamId":"{{StreamId}}"}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.ClearedAudio, message.Event);
    }

    [Fact]
    public void Dtmf_DigitAsString()
    {
        var message = Read($$"""{"event":"dtmf","sequenceNumber":7,"streamId":"{{StreamId}}","dtmf":{"track":"inbound","digit":"5","timestamp":"1720000003456"},"extra_headers":""}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.Dtmf, message.Event);
        Assert.Equal("5", message.Digit);
    }

    [Fact]
    public void Stop_IsRecognised()
    {
        var message = Read($$$"""{"event":"stop","streamId":"{{{StreamId}}}","stop":{"reason":"hangup"}}""", out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.Stop, message.Event);
    }

    [Theory]
    [InlineData("""{"event":"connected"}""")]
    [InlineData("""{"event":42}""")]
    [InlineData("""{"sequenceNumber":3}""")]
    public void UnknownOrMissingEvent_ReadsAsUnknown(string json)
    {
        var message = Read(json, out var ok, out _);

        Assert.True(ok);
        Assert.Equal(PlivoEvent.Unknown, message.Event);
    }

    [Theory]
    [InlineData("agentId=supporten,voice=marin", "agentId:supporten|voice:marin")]
    [InlineData("agentId=supporten;voice=marin", "agentId:supporten|voice:marin")]
    [InlineData(" agentId = supporten ; ; novalue ; =x ", "agentId:supporten")]
    [InlineData("agentId=a,agentId=b", "agentId:a")]
    [InlineData("", "")]
    public void ExtraHeaders_BothSeparators_FirstOfARepeatedNameWins(string text, string expected)
    {
        var parameters = PlivoMessageReader.ParseExtraHeaders(text);

        Assert.Equal(expected, string.Join('|', parameters.Select(pair => $"{pair.Key}:{pair.Value}")));
    }

    private sealed record ReadResult(PlivoEvent Event, string Payload, long TimestampMs, string CheckpointName, string? Digit, CallerStart? Start);

    private static ReadResult Read(string json, out bool ok, out string? problem)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var scratch = new byte[bytes.Length];
        ok = PlivoMessageReader.TryRead(bytes, scratch, out var message, out problem);
        return new ReadResult(
            message.Event,
            Encoding.UTF8.GetString(message.Payload),
            message.MediaTimestampMs,
            Encoding.UTF8.GetString(message.CheckpointName),
            message.Digit,
            message.Start);
    }
}
