using System.Security.Cryptography;
using System.Text;
using VoiceServer.Commands;

namespace VoiceServer.Core.Tests.Commands;

public sealed class CallCommandSignatureTests
{
    private const string Secret = "config-signing-key-for-tests-0123456789";
    private static readonly byte[] s_body = """{"id":"0123456789abcdef0123","callSid":"CA1","action":"hangup","issuedAt":1700000000}"""u8.ToArray();

    [Fact]
    public void Sign_IsTheDocumentedHmac_OverPurposeAndBody()
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(Secret), 32, salt: [], info: "voice-server call commands v1"u8.ToArray());
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, (byte[])[.. "command."u8, .. s_body]));

        Assert.Equal(expected, CallCommandSignature.Sign(CallCommandSignature.Key(Secret), CallCommandSignature.Purpose.Command, s_body));
    }

    [Fact]
    public void IsValid_OnlyForTheSameKeyPurposeAndBytes()
    {
        var key = CallCommandSignature.Key(Secret);
        var signature = CallCommandSignature.Sign(key, CallCommandSignature.Purpose.Command, s_body);

        Assert.True(CallCommandSignature.IsValid(signature, key, CallCommandSignature.Purpose.Command, s_body));
        Assert.False(CallCommandSignature.IsValid(signature, key, CallCommandSignature.Purpose.Ack, s_body));
        Assert.False(CallCommandSignature.IsValid(signature, CallCommandSignature.Key(Secret + "x"), CallCommandSignature.Purpose.Command, s_body));
        Assert.False(CallCommandSignature.IsValid(signature, key, CallCommandSignature.Purpose.Command, [.. s_body, (byte)' ']));
        Assert.False(CallCommandSignature.IsValid(signature.ToUpperInvariant(), key, CallCommandSignature.Purpose.Command, s_body));
        Assert.False(CallCommandSignature.IsValid(signature[..^1], key, CallCommandSignature.Purpose.Command, s_body));
        Assert.False(CallCommandSignature.IsValid(null, key, CallCommandSignature.Purpose.Command, s_body));
    }

    [Fact]
    public void Key_IsNeitherTheSecretNorTheConfigurationEncryptionKey()
    {
        var key = CallCommandSignature.Key(Secret);

        Assert.NotEqual(Encoding.UTF8.GetBytes(Secret), key);
        Assert.NotEqual(VoiceServer.Secrets.SignedConfigurationKeys.EncryptionKey(Secret)[..32], key);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(60, true)]
    [InlineData(-60, true)]
    [InlineData(61, false)]
    [InlineData(-61, false)]
    public void IsFresh_WithinSixtySecondsEitherWay(int offsetSeconds, bool fresh)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

        Assert.Equal(fresh, CallCommandSignature.IsFresh(now.AddSeconds(offsetSeconds).ToUnixTimeSeconds(), now));
    }

    [Fact]
    public void WrapAndUnwrap_RoundTrip_GarbageRefused()
    {
        var key = CallCommandSignature.Key(Secret);
        var message = CallCommandSignature.Wrap(key, CallCommandSignature.Purpose.Command, s_body);

        Assert.True(CallCommandSignature.TryUnwrap(message, out var signature, out var body));
        Assert.Equal(s_body, body);
        Assert.True(CallCommandSignature.IsValid(signature, key, CallCommandSignature.Purpose.Command, body));
        Assert.False(CallCommandSignature.TryUnwrap("no line feed", out _, out _));
        Assert.False(CallCommandSignature.TryUnwrap(null, out _, out _));
        Assert.False(CallCommandSignature.TryUnwrap("v1=\n" + new string('a', 10_000), out _, out _));
    }
}
