using System.Text;

namespace VoiceServer.Twilio.Tests;

public sealed class TwilioMessageReaderTests
{
    private static TwilioEvent Read(string json, out string payload, out string markName, out string? problem)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var scratch = new byte[bytes.Length];
        var ok = TwilioMessageReader.TryRead(bytes, scratch, out var message, out problem);
        payload = Encoding.UTF8.GetString(message.Payload);
        markName = Encoding.UTF8.GetString(message.MarkName);
        return ok ? message.Event : (TwilioEvent)(-1);
    }

    [Fact]
    public void Media_NumbersAsStrings_PayloadUntouched()
    {
        const string Json = """{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"52","payload":"//8A/w=="},"streamSid":"MZ1"}""";

        Assert.Equal(TwilioEvent.Media, Read(Json, out var payload, out _, out _));
        Assert.Equal("//8A/w==", payload);
    }

    [Fact]
    public void Media_EscapedSlashes_AreUnescaped()
    {
        const string Json = """{"event":"media","media":{"payload":"\/\/8A\/w=="},"streamSid":"MZ1"}""";

        Assert.Equal(TwilioEvent.Media, Read(Json, out var payload, out _, out _));
        Assert.Equal("//8A/w==", payload);
    }

    [Fact]
    public void Start_ReadsFormatAndCustomParameters()
    {
        const string Json = """
            {"event":"start","sequenceNumber":"1","start":{"accountSid":"AC1","streamSid":"MZ1","callSid":"CA1","tracks":["inbound"],
             "mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"agentId":"a","voice":"marin"}},"streamSid":"MZ1"}
            """;
        var bytes = Encoding.UTF8.GetBytes(Json);

        Assert.True(TwilioMessageReader.TryRead(bytes, new byte[bytes.Length], out var message, out _));
        var start = message.Start!;
        Assert.Equal(("MZ1", "CA1", "AC1"), (start.StreamSid, start.CallSid, start.AccountSid));
        Assert.Equal(("audio/x-mulaw", 8000, 1), (start.Encoding, start.SampleRate, start.Channels));
        Assert.Equal("marin", start.CustomParameters["voice"]);
    }

    [Fact]
    public void Start_WithoutCustomParameters_HasEmptyMap()
    {
        const string Json = """{"event":"start","start":{"streamSid":"MZ1","mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}""";
        var bytes = Encoding.UTF8.GetBytes(Json);

        Assert.True(TwilioMessageReader.TryRead(bytes, new byte[bytes.Length], out var message, out _));
        Assert.Empty(message.Start!.CustomParameters);
    }

    [Theory]
    [InlineData("""{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":"a:g1:m1"}}""", (int)TwilioEvent.Mark)]
    [InlineData("""{"event":"connected","protocol":"Call","version":"1.0.0"}""", (int)TwilioEvent.Connected)]
    [InlineData("""{"event":"stop","sequenceNumber":"9","streamSid":"MZ1","stop":{"accountSid":"AC1","callSid":"CA1"}}""", (int)TwilioEvent.Stop)]
    [InlineData("""{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}""", (int)TwilioEvent.Dtmf)]
    [InlineData("""{"event":"something-new","streamSid":"MZ1"}""", (int)TwilioEvent.Unknown)]
    public void Events_AreRecognised(string json, int expected)
    {
        Assert.Equal((TwilioEvent)expected, Read(json, out _, out _, out _));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"event":"media","media":{}}""")]
    [InlineData("""{"event":"mark","mark":"x"}""")]
    [InlineData("""{"event":"start","start":{"customParameters":{"a":1}}}""")]
    [InlineData("""{"event":"start"}""")]
    public void Malformed_IsReportedNotThrown(string json)
    {
        Assert.Equal((TwilioEvent)(-1), Read(json, out _, out _, out var problem));
        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void Writer_ProducesExactlyTheDocumentedShapes()
    {
        var writer = new TwilioMessageWriter("MZabc");

        var media = Encoding.UTF8.GetString([.. writer.MediaPrefix, .. "AAAA"u8, .. TwilioMessageWriter.ObjectSuffix]);
        var mark = Encoding.UTF8.GetString([.. writer.MarkPrefix, .. "a:g1:m1"u8, .. TwilioMessageWriter.ObjectSuffix]);

        Assert.Equal("""{"event":"media","streamSid":"MZabc","media":{"payload":"AAAA"}}""", media);
        Assert.Equal("""{"event":"mark","streamSid":"MZabc","mark":{"name":"a:g1:m1"}}""", mark);
        Assert.Equal("""{"event":"clear","streamSid":"MZabc"}""", Encoding.UTF8.GetString(writer.Clear));
    }
}
