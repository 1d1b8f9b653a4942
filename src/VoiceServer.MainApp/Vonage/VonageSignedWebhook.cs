using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace VoiceServer.MainApp.Vonage;

/// <summary>
/// Verifies Vonage's signed webhooks (vonage-voice-websockets §5.1): <c>Authorization: Bearer &lt;JWT&gt;</c>, HS256
/// only (the official verifier also allows RS256; pinned here), keyed with the account's signature secret; <c>iat</c>
/// within <see cref="Window"/> of now (Vonage sets no <c>exp</c>); and for a request with a body, <c>payload_hash</c>
/// equal to the lower-case hex SHA-256 of its exact bytes, compared in constant time. What <c>payload_hash</c> covers
/// on a GET is unconfirmed, so a GET's query is not covered: the token's single use (<c>jti</c>) and age bound it.
/// </summary>
internal sealed class VonageSignedWebhook(string signatureSecret, TimeProvider timeProvider)
{
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(300);

    private readonly SymmetricSecurityKey _key = new(Encoding.UTF8.GetBytes(signatureSecret));

    /// <summary>Checks one request; on success the token id names it for the replay check (its <c>jti</c>, else the token).</summary>
    public async Task<(VonageSignatureCheck Check, string? TokenId)> VerifyAsync(string? authorization, ReadOnlyMemory<byte> body)
    {
        const string Bearer = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) || authorization.Length == Bearer.Length)
        {
            return (VonageSignatureCheck.MissingToken, null);
        }

        var token = authorization[Bearer.Length..].Trim();
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            IssuerSigningKey = _key,
            ValidateIssuer = false,
            ValidateAudience = false,
            // Vonage sets no exp: the age is checked on iat below.
            ValidateLifetime = false,
            RequireExpirationTime = false,
            RequireSignedTokens = true,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return (VonageSignatureCheck.InvalidToken, null);
        }

        if (!jwt.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out var issuedAt) ||
            Math.Abs(timeProvider.GetUtcNow().ToUnixTimeSeconds() - issuedAt) > (long)Window.TotalSeconds)
        {
            return (VonageSignatureCheck.Stale, null);
        }

        if (!body.IsEmpty)
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(body.Span, hash);
            var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(hash));
            if (!jwt.TryGetPayloadValue<string>("payload_hash", out var claimed) || claimed is null ||
                !CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(claimed)))
            {
                return (VonageSignatureCheck.BodyMismatch, null);
            }
        }

        return (VonageSignatureCheck.Valid, jwt.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Jti, out var id) && !string.IsNullOrEmpty(id) ? id : token);
    }
}
