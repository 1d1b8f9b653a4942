using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Vonage.Tests;

/// <summary>
/// <see cref="VonageApplicationToken"/>, which both call control and the main app's recording downloads sign with: each
/// token verifies with the application's public key, and instances sharing a key never share a signer.
/// </summary>
public sealed class VonageApplicationTokenTests : IDisposable
{
    private const string ApplicationId = "aaaaaaaa-0000-4000-8000-0123456789ab";

    private readonly RSA _key = RSA.Create(2048);

    public void Dispose() => _key.Dispose();

    [Fact]
    public void Token_Rs256_VerifiesWithThePublicKey()
    {
        using var tokens = new VonageApplicationToken(ApplicationId, _key.ExportPkcs8PrivateKeyPem());

        var parts = tokens.Create().Split('.');

        Assert.Equal(3, parts.Length);
        Assert.True(_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void TwoInstancesWithOneKey_DisposingOne_TheOtherStillSigns()
    {
        // A process may hold the same application twice (two hosts, a restart in tests): neither may break the other.
        var pem = _key.ExportPkcs8PrivateKeyPem();
        using var kept = new VonageApplicationToken(ApplicationId, pem);
        using (var gone = new VonageApplicationToken(ApplicationId, pem))
        {
            gone.Create();
        }

        var parts = kept.Create().Split('.');

        Assert.True(_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64UrlDecode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public void BadSettings_ArgumentExceptionNamingTheParameter_NeverTheKey()
    {
        var badId = Assert.Throws<ArgumentException>(() => new VonageApplicationToken("not-a-uuid", _key.ExportPkcs8PrivateKeyPem()));
        var badKey = Assert.Throws<ArgumentException>(() => new VonageApplicationToken(ApplicationId, "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----"));

        Assert.Equal(("applicationId", "privateKeyPem"), (badId.ParamName, badKey.ParamName));
        Assert.DoesNotContain("c2VjcmV0", badKey.ToString(), StringComparison.Ordinal);
    }

    private static byte[] Base64UrlDecode(string text)
    {
        var base64 = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '='));
    }
}
