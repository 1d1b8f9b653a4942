using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace VoiceServer.Vonage;

/// <summary>
/// A Vonage application's JWTs, which authorise its Voice API requests (call control, recordings' files): RS256 with
/// the application's private key; claims <c>application_id</c>, <c>iat</c>, <c>jti</c>, <c>exp</c>, as the official
/// SDK's <c>tokenGenerate</c> makes them.
/// </summary>
public sealed class VonageApplicationToken : IDisposable
{
    /// <summary>How long each token is valid: one request's worth, as the SDK's default of 15 minutes is far more than needed.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    // No default nbf: the token carries exactly the claims tokenGenerate sets (checked against the SDK).
    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly string _applicationId;
    private readonly RSA _key;
    private readonly SigningCredentials _credentials;
    private readonly TimeProvider _time;

    /// <param name="applicationId">The Vonage application's id (<c>VONAGE_APPLICATION_ID</c>): a UUID.</param>
    /// <param name="privateKeyPem">Its private key, PEM (<c>VONAGE_PRIVATE_KEY</c>). Never logged.</param>
    /// <param name="timeProvider">The clock of <c>iat</c> and <c>exp</c>.</param>
    public VonageApplicationToken(string applicationId, string privateKeyPem, TimeProvider? timeProvider = null)
    {
        if (!Guid.TryParse(applicationId, out _))
        {
            throw new ArgumentException("The Vonage application id is a UUID, as the dashboard shows it.", nameof(applicationId));
        }

        ArgumentException.ThrowIfNullOrEmpty(privateKeyPem);
        _key = RSA.Create();
        try
        {
            _key.ImportFromPem(privateKeyPem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            _key.Dispose();
            // The message names the setting, never the key.
            throw new ArgumentException("The Vonage private key is not a PEM RSA private key.", nameof(privateKeyPem));
        }

        _applicationId = applicationId;
        // IdentityModel's default factory caches signers process-wide by the key's public half: another instance with
        // the same key, once disposed, would leave this one a disposed signer. This key signs with its own.
        var key = new RsaSecurityKey(_key) { CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false } };
        _credentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>A fresh token, for one request.</summary>
    public string Create()
    {
        var now = _time.GetUtcNow();
        return s_handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                ["application_id"] = _applicationId,
                ["jti"] = Guid.NewGuid().ToString(),
            },
            IssuedAt = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = _credentials,
        });
    }

    public void Dispose() => _key.Dispose();
}
