namespace VoiceServer.Plivo.Tests;

/// <summary>
/// The V3 scheme against the vectors of plivo-audio-streams.md §5.2 (Auth Token <c>MY_AUTH_TOKEN</c>, nonce
/// <c>12345678901234567890</c>), each computed with the official Node SDK, and the ways a request can fail.
/// </summary>
public sealed class PlivoSignatureValidatorTests
{
    private const string AuthToken = "MY_AUTH_TOKEN";
    private const string Nonce = "12345678901234567890";

    private static readonly KeyValuePair<string, string>[] s_answerForm =
    [
        new("To", "+15550001111"),
        new("CallUUID", "abc"),
        new("From", "+15552223333"),
    ];

    private readonly PlivoSignatureValidator _validator = new(AuthToken);

    [Theory]
    [InlineData("https://example.com/api/plivo/answer?b=2&a=1", "https://example.com/api/plivo/answer?a=1&b=2", "i3S/vBzvfmh9z3fLR2rchEk0LTgpMKHepxTqs8GnI5w=")]
    [InlineData("https://example.com/api/plivo/answer", "https://example.com/api/plivo/answer", "L3tyQ7lagXG6VshNbxe88tbJTg95KJkiXrdLkcLNT6E=")]
    public void Get_ReferenceVectors(string url, string signedUrl, string signature)
    {
        Assert.Equal(signedUrl, PlivoSignatureValidator.BuildSignedUrl("GET", url, null));
        Assert.Equal(signature, _validator.Sign("GET", url, Nonce));
        Assert.Equal(PlivoSignatureCheck.Valid, _validator.Verify("GET", url, Nonce, signature));
    }

    [Fact]
    public void Post_ReferenceVector_FormParametersSortedWithoutSeparators()
    {
        const string url = "https://example.com/api/plivo/answer";

        Assert.Equal("https://example.com/api/plivo/answer?CallUUIDabcFrom+15552223333To+15550001111", PlivoSignatureValidator.BuildSignedUrl("POST", url, s_answerForm));
        Assert.Equal("oZ53maImkv9Tw5sQyePbcVWY/+Ig2iCxTYuSS49eYC4=", _validator.Sign("POST", url, Nonce, s_answerForm));
    }

    [Fact]
    public void Post_ReferenceVector_QueryThenForm()
    {
        const string url = "https://example.com/api/plivo/answer?x=1";
        KeyValuePair<string, string>[] form = [new("CallUUID", "abc")];

        Assert.Equal("https://example.com/api/plivo/answer?x=1.CallUUIDabc", PlivoSignatureValidator.BuildSignedUrl("POST", url, form));
        Assert.Equal("XpYqP6AAzuqOEAygsEbI166Y75nBPeUJoWcBt/aCESA=", _validator.Sign("POST", url, Nonce, form));
    }

    [Fact]
    public void Post_WithoutParameters_IsTheBareUrl()
    {
        Assert.Equal("https://example.com/api/plivo/answer", PlivoSignatureValidator.BuildSignedUrl("POST", "https://example.com/api/plivo/answer", []));
    }

    [Fact]
    public void Get_RepeatedNameAndEscapes_SortedAndDecodedAsTheSdkDoes()
    {
        Assert.Equal(
            "wss://voice.example.com:8443/api/plivo/media-stream?a=1&a=2&b=x y&c=",
            PlivoSignatureValidator.BuildSignedUrl("GET", "wss://voice.example.com:8443/api/plivo/media-stream?c&b=x+y&a=2&a=1", null));
    }

    [Fact]
    public void CommaSeparatedSignatures_AnyMatchIsValid()
    {
        var good = _validator.Sign("GET", "https://example.com/api/plivo/answer", Nonce);

        Assert.Equal(PlivoSignatureCheck.Valid, _validator.Verify("GET", "https://example.com/api/plivo/answer", Nonce, $"bogus,{good}"));
        Assert.Equal(PlivoSignatureCheck.Valid, _validator.Verify("GET", "https://example.com/api/plivo/answer", Nonce, $"{good},AAAA"));
    }

    [Theory]
    [InlineData(null, "L3tyQ7lagXG6VshNbxe88tbJTg95KJkiXrdLkcLNT6E=")]
    [InlineData("", "L3tyQ7lagXG6VshNbxe88tbJTg95KJkiXrdLkcLNT6E=")]
    [InlineData(Nonce, null)]
    [InlineData(Nonce, "")]
    public void MissingHeaders_Refused(string? nonce, string? signature)
    {
        Assert.Equal(PlivoSignatureCheck.MissingHeaders, _validator.Verify("GET", "https://example.com/api/plivo/answer", nonce, signature));
    }

    [Fact]
    public void WrongAuthToken_Mismatch()
    {
        var signature = new PlivoSignatureValidator("another-auth-token").Sign("GET", "https://example.com/api/plivo/answer", Nonce);

        Assert.Equal(PlivoSignatureCheck.Mismatch, _validator.Verify("GET", "https://example.com/api/plivo/answer", Nonce, signature));
    }

    [Theory]
    [InlineData("GET", "https://example.com/api/plivo/answer", "99999999999999999999")]
    [InlineData("GET", "https://example.com/api/plivo/other", Nonce)]
    [InlineData("GET", "https://example.com/api/plivo/answer?a=1", Nonce)]
    [InlineData("GET", "https://evil.example.com/api/plivo/answer", Nonce)]
    [InlineData("POST", "https://example.com/api/plivo/answer", Nonce)]
    public void SignatureForAnotherRequest_Mismatch(string method, string url, string nonce)
    {
        var signature = _validator.Sign("GET", "https://example.com/api/plivo/answer", Nonce);

        Assert.Equal(PlivoSignatureCheck.Mismatch, _validator.Verify(method, url, nonce, signature, method == "POST" ? s_answerForm : null));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData(",,,")]
    public void MalformedSignature_Mismatch(string signature)
    {
        Assert.Equal(PlivoSignatureCheck.Mismatch, _validator.Verify("GET", "https://example.com/api/plivo/answer", Nonce, signature));
    }

    [Fact]
    public void OversizedHeaders_RefusedBeforeHashing()
    {
        var good = _validator.Sign("GET", "https://example.com/api/plivo/answer", Nonce);

        Assert.Equal(PlivoSignatureCheck.Oversized, _validator.Verify("GET", "https://example.com/api/plivo/answer", Nonce, string.Join(',', Enumerable.Repeat(good, 30))));
        Assert.Equal(PlivoSignatureCheck.Oversized, _validator.Verify("GET", "https://example.com/api/plivo/answer", new string('1', 2000), good));
    }

    [Fact]
    public void OtherMethods_AreNotSigned()
    {
        Assert.Throws<ArgumentException>(() => _validator.Sign("PUT", "https://example.com/api/plivo/answer", Nonce));
    }
}
