
namespace VoiceServer.Twilio.Tests;

/// <summary>The vectors of twilio-media-streams §5.3 (Auth Token 12345, no parameters).</summary>
public sealed class TwilioSignatureValidatorTests
{
    [Theory]
    [InlineData("wss://example.com", "/media-stream", "XFfwGS2Ev7f9qAP9MmRoMS7C724=", true)]
    [InlineData("wss://example.com", "/api/twilio/media-stream", "P0T2nOgNGQDDlDHxPcqBedWvJbM=", true)]
    [InlineData("wss://example.com/", "/api/twilio/media-stream", "P0T2nOgNGQDDlDHxPcqBedWvJbM=", true)]
    [InlineData("wss://example.com", "/media-stream/", "7J0iz81itFhCXVuZK8EmM4YZwLA=", true)]
    [InlineData("wss://example.com", "/media-stream", "+Nt/WUHH2g+0+t2rLN3k9fNhfEw=", false)]   // signed over https://
    [InlineData("wss://example.com", "/media-stream/", "XFfwGS2Ev7f9qAP9MmRoMS7C724=", false)]  // trailing slash differs
    [InlineData("wss://example.com", "/media-stream", "", false)]
    [InlineData("wss://example.com", "/media-stream", null, false)]
    public void IsValid_MatchesTheDocumentedVectors(string publicBaseUrl, string path, string? signature, bool expected)
    {
        var validator = new TwilioSignatureValidator("12345", publicBaseUrl);

        Assert.Equal(expected, validator.IsValid(path, signature));
    }

    [Fact]
    public void IsValid_WrongToken_Fails()
    {
        Assert.False(new TwilioSignatureValidator("54321", "wss://example.com").IsValid("/api/twilio/media-stream", "P0T2nOgNGQDDlDHxPcqBedWvJbM="));
    }
}
