using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;

namespace VoiceServer.Telnyx.Tests;

/// <summary>
/// Telnyx webhook signatures (telnyx-media-streaming §5.1–5.2): signed here the way Telnyx signs, with a fresh
/// Ed25519 key pair, and checked the way the official SDK checks.
/// </summary>
public sealed class TelnyxWebhookSignatureValidatorTests
{
    private const string Body = """{"data":{"event_type":"call.initiated","payload":{"call_control_id":"v3:abc"}}}""";

    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_now);
    private readonly Key _privateKey = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    private string PublicKeyBase64 => Convert.ToBase64String(_privateKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    private static string Timestamp(DateTimeOffset at) => at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private string Sign(string timestamp, string body, Key? key = null) =>
        Convert.ToBase64String(SignatureAlgorithm.Ed25519.Sign(key ?? _privateKey, Encoding.UTF8.GetBytes($"{timestamp}|{body}")));

    private TelnyxSignatureCheck Verify(string body, string? signature, string? timestamp) =>
        new TelnyxWebhookSignatureValidator(PublicKeyBase64, _time).Verify(Encoding.UTF8.GetBytes(body), signature, timestamp);

    [Fact]
    public void SignedLikeTelnyx_Valid()
    {
        var timestamp = Timestamp(s_now);

        Assert.Equal(TelnyxSignatureCheck.Valid, Verify(Body, Sign(timestamp, Body), timestamp));
    }

    [Fact]
    public void SignedWithAnotherKey_Mismatch()
    {
        var timestamp = Timestamp(s_now);
        using var other = Key.Create(SignatureAlgorithm.Ed25519);

        Assert.Equal(TelnyxSignatureCheck.Mismatch, Verify(Body, Sign(timestamp, Body, other), timestamp));
    }

    [Theory]
    [InlineData("""{"data":{"event_type":"call.initiated","payload":{"call_control_id":"v3:abd"}}}""")]
    [InlineData("""{"data": {"event_type":"call.initiated","payload":{"call_control_id":"v3:abc"}}}""")]
    [InlineData("")]
    public void TamperedOrReserialisedBody_Mismatch(string tampered)
    {
        var timestamp = Timestamp(s_now);

        Assert.Equal(TelnyxSignatureCheck.Mismatch, Verify(tampered, Sign(timestamp, Body), timestamp));
    }

    [Fact]
    public void SignatureOfAnotherTimestamp_Mismatch()
    {
        var signed = Timestamp(s_now);
        var sent = Timestamp(s_now.AddSeconds(1));

        Assert.Equal(TelnyxSignatureCheck.Mismatch, Verify(Body, Sign(signed, Body), sent));
    }

    [Theory]
    [InlineData(-301, TelnyxSignatureCheck.Stale)]
    [InlineData(301, TelnyxSignatureCheck.Stale)]
    [InlineData(-300, TelnyxSignatureCheck.Valid)]
    [InlineData(300, TelnyxSignatureCheck.Valid)]
    public void Timestamp_MoreThan300sFromNow_Stale(int offsetSeconds, TelnyxSignatureCheck expected)
    {
        var timestamp = Timestamp(s_now.AddSeconds(offsetSeconds));

        Assert.Equal(expected, Verify(Body, Sign(timestamp, Body), timestamp));
    }

    [Theory]
    [InlineData(null, "1")]
    [InlineData("", "1")]
    [InlineData("sig", null)]
    [InlineData("sig", "")]
    public void MissingHeaders_Refused(string? signature, string? timestamp)
    {
        Assert.Equal(TelnyxSignatureCheck.MissingHeaders, Verify(Body, signature, timestamp));
    }

    [Theory]
    [InlineData("+1796643908")]
    [InlineData("-1796643908")]
    [InlineData(" 1796643908")]
    [InlineData("1796643908.0")]
    [InlineData("1.7e9")]
    [InlineData("١٧٩٦٦٤٣٩٠٨")]
    [InlineData("99999999999999999999999")]
    public void TimestampNotDigits_Refused(string timestamp)
    {
        Assert.Equal(TelnyxSignatureCheck.MalformedTimestamp, Verify(Body, Sign(timestamp, Body), timestamp));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("")]
    public void SignatureNotBase64Of64Bytes_Refused(string signature)
    {
        var timestamp = Timestamp(s_now);
        var check = Verify(Body, signature, timestamp);

        Assert.Contains(check, new[] { TelnyxSignatureCheck.MalformedSignature, TelnyxSignatureCheck.MissingHeaders });
    }

    [Fact]
    public void SignatureTruncatedOrExtended_Refused()
    {
        var timestamp = Timestamp(s_now);
        var signature = Convert.FromBase64String(Sign(timestamp, Body));

        Assert.Equal(TelnyxSignatureCheck.MalformedSignature, Verify(Body, Convert.ToBase64String(signature[..63]), timestamp));
        Assert.Equal(TelnyxSignatureCheck.MalformedSignature, Verify(Body, Convert.ToBase64String([.. signature, 0]), timestamp));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64")]
    [InlineData("AAAA")]
    [InlineData("-----BEGIN PUBLIC KEY-----")]
    public void PublicKeyNotRaw32BytesInBase64_RefusedAtConstruction(string key)
    {
        Assert.Throws<ArgumentException>(() => new TelnyxWebhookSignatureValidator(key, TimeProvider.System));
    }

    [Fact]
    public void BodyBytesVerbatim_NonAsciiBody_Valid()
    {
        const string body = """{"data":{"payload":{"from":"Zoë Müller ☎"}}}""";
        var timestamp = Timestamp(s_now);

        Assert.Equal(TelnyxSignatureCheck.Valid, Verify(body, Sign(timestamp, body), timestamp));
    }
}
