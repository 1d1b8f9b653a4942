using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace VoiceServer.Vonage.Tests;

/// <summary>Vonage's signed-webhook JWT (§5.1): HS256 pinned, the signature secret, iat fresh, payload_hash.</summary>
public sealed class VonageJwtValidatorTests
{
    private const string Secret = "vonage-signature-secret-0123";

    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_now);

    private VonageJwtValidator Validator => new(Secret, _time);

    [Fact]
    public void Fresh_HS256_WithTheSecret_Valid()
    {
        Assert.Equal(VonageJwtCheck.Valid, Validator.Validate(Sign(Claims())));
    }

    [Fact]
    public void ShortSecret_StillChecked()
    {
        // Signature secrets may be shorter than the 256 bits IdentityModel insists on.
        var validator = new VonageJwtValidator("short", _time);

        Assert.Equal(VonageJwtCheck.Valid, validator.Validate(Sign(Claims(), secret: "short")));
        Assert.Equal(VonageJwtCheck.BadSignature, validator.Validate(Sign(Claims())));
    }

    [Fact]
    public void OtherSecret_BadSignature()
    {
        Assert.Equal(VonageJwtCheck.BadSignature, Validator.Validate(Sign(Claims(), secret: "another-secret-entirely-0000")));
    }

    [Theory]
    [InlineData("""{"alg":"none","typ":"JWT"}""")]
    [InlineData("""{"alg":"RS256","typ":"JWT"}""")]
    [InlineData("""{"alg":"hs256","typ":"JWT"}""")]
    [InlineData("""{"typ":"JWT"}""")]
    public void OtherAlgorithm_Refused(string header)
    {
        Assert.Equal(VonageJwtCheck.WrongAlgorithm, Validator.Validate(Sign(Claims(), header: header)));
    }

    [Fact]
    public void UnsignedToken_Malformed()
    {
        var token = Sign(Claims(), header: """{"alg":"none"}""");
        Assert.Equal(VonageJwtCheck.Malformed, Validator.Validate(token[..(token.LastIndexOf('.') + 1)]));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void IatOutsideFiveMinutes_Stale(int offsetSeconds)
    {
        var claims = Claims();
        claims["iat"] = s_now.ToUnixTimeSeconds() + offsetSeconds;

        Assert.Equal(VonageJwtCheck.Stale, Validator.Validate(Sign(claims)));
    }

    [Fact]
    public void NoIat_Malformed()
    {
        var claims = Claims();
        claims.Remove("iat");

        Assert.Equal(VonageJwtCheck.Malformed, Validator.Validate(Sign(claims)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Missing(string? token)
    {
        Assert.Equal(VonageJwtCheck.Missing, Validator.Validate(token));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.???.***")]
    public void Garbage_Malformed(string token)
    {
        Assert.Equal(VonageJwtCheck.Malformed, Validator.Validate(token));
    }

    [Fact]
    public void Oversized_MalformedWithoutWork()
    {
        Assert.Equal(VonageJwtCheck.Malformed, Validator.Validate(new string('a', VonageJwtValidator.MaxTokenLength + 1)));
    }

    [Fact]
    public void PayloadHash_MatchesTheBody_OrIsRefused()
    {
        var body = Encoding.UTF8.GetBytes("""{"uuid":"aaaaaaaa-bbbb-cccc-dddd-0123456789ab","status":"answered"}""");
        var claims = Claims();
        claims["payload_hash"] = Convert.ToHexStringLower(SHA256.HashData(body));
        var token = Sign(claims);

        Assert.Equal(VonageJwtCheck.Valid, Validator.Validate(token, body, checkBody: true));
        Assert.Equal(VonageJwtCheck.PayloadMismatch, Validator.Validate(token, Encoding.UTF8.GetBytes("""{"status":"completed"}"""), checkBody: true));
        Assert.Equal(VonageJwtCheck.PayloadMismatch, Validator.Validate(Sign(Claims()), body, checkBody: true));
    }

    [Fact]
    public void ValidToken_NamedByItsJti_OrByItselfWithoutOne()
    {
        var withoutJti = Claims();
        withoutJti.Remove("jti");
        var bare = Sign(withoutJti);

        Assert.Equal(VonageJwtCheck.Valid, Validator.Validate(Sign(Claims()), default, checkBody: false, out var named));
        Assert.Equal("c4e8d2b6-0b1a-4f36-9a2e-5f6d7e8f9a0b", named);
        Assert.Equal(VonageJwtCheck.Valid, Validator.Validate(bare, default, checkBody: false, out var unnamed));
        Assert.Equal(bare, unnamed);
        Assert.Equal(VonageJwtCheck.BadSignature, Validator.Validate(Sign(Claims(), secret: "another"), default, checkBody: false, out var refused));
        Assert.Null(refused);
    }

    /// <summary>A Vonage-shaped signed-webhook token, made by hand (not by the code under test).</summary>
    internal static string Sign(JsonObject claims, string secret = Secret, string header = """{"alg":"HS256","typ":"JWT"}""")
    {
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    private static JsonObject Claims() => new()
    {
        ["iat"] = s_now.ToUnixTimeSeconds(),
        ["jti"] = "c4e8d2b6-0b1a-4f36-9a2e-5f6d7e8f9a0b",
        ["iss"] = "Vonage",
        ["api_key"] = "abcd1234",
        ["application_id"] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    };

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
