using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VoiceServer.Vonage;

/// <summary>Why a Vonage JWT was refused (never which part of the secret).</summary>
public enum VonageJwtCheck
{
    Valid,
    Missing,
    Malformed,
    WrongAlgorithm,
    BadSignature,
    Stale,
    PayloadMismatch,
}

/// <summary>
/// Checks the JWT Vonage puts on signed webhooks and, with <c>"authorization":{"type":"vonage"}</c>, on the WebSocket
/// upgrade (vonage-voice-websockets §5): HS256 keyed with the account's signature secret, the algorithm pinned (the
/// official verifier also accepts RS256, §5.2), <c>iat</c> within a freshness window (Vonage sets no <c>exp</c>), and
/// for a body the <c>payload_hash</c> claim, the lower-case hex SHA-256 of the raw body, compared in constant time.
/// </summary>
/// <remarks>
/// Verified by hand rather than through IdentityModel: that library refuses HMAC keys under 256 bits, and Vonage's
/// signature secrets may be shorter. The header must say <c>"alg":"HS256"</c> exactly; nothing else is trusted from it.
/// </remarks>
public sealed class VonageJwtValidator
{
    /// <summary>How far <c>iat</c> may be from now, either way (a little clock skew, a slow retry).</summary>
    public static readonly TimeSpan DefaultFreshness = TimeSpan.FromMinutes(5);

    /// <summary>A signed webhook's JWT is a few hundred bytes; far more is not one.</summary>
    public const int MaxTokenLength = 4_096;

    private readonly byte[] _secret;
    private readonly TimeProvider _time;
    private readonly TimeSpan _freshness;

    /// <param name="signatureSecret">The account's signature secret (<c>VONAGE_SIGNATURE_SECRET</c>). Never logged.</param>
    /// <param name="timeProvider">The clock <c>iat</c> is checked against.</param>
    /// <param name="freshness">How far <c>iat</c> may be from now; <see cref="DefaultFreshness"/> when null.</param>
    public VonageJwtValidator(string signatureSecret, TimeProvider? timeProvider = null, TimeSpan? freshness = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(signatureSecret);
        _secret = Encoding.UTF8.GetBytes(signatureSecret);
        _time = timeProvider ?? TimeProvider.System;
        _freshness = freshness ?? DefaultFreshness;
    }

    /// <summary>
    /// Checks <paramref name="token"/>; with <paramref name="body"/>, also that <c>payload_hash</c> matches it. A
    /// body-less request (the upgrade) is checked for signature and freshness only: what <c>payload_hash</c> covers
    /// there is unconfirmed (§5.3).
    /// </summary>
    public VonageJwtCheck Validate(string? token, ReadOnlySpan<byte> body = default, bool checkBody = false) =>
        Validate(token, body, checkBody, out _);

    /// <summary>
    /// As <see cref="Validate(string?, ReadOnlySpan{byte}, bool)"/>; a valid token also yields the id that names it for a
    /// replay check: its <c>jti</c>, or the whole token when it has none.
    /// </summary>
    public VonageJwtCheck Validate(string? token, ReadOnlySpan<byte> body, bool checkBody, out string? tokenId)
    {
        tokenId = null;
        if (string.IsNullOrEmpty(token))
        {
            return VonageJwtCheck.Missing;
        }

        if (token.Length > MaxTokenLength)
        {
            return VonageJwtCheck.Malformed;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return VonageJwtCheck.Malformed;
        }

        if (Decode(parts[0]) is not { } header || Decode(parts[1]) is not { } payload || Decode(parts[2]) is not { } signature)
        {
            return VonageJwtCheck.Malformed;
        }

        if (!IsHs256(header))
        {
            return VonageJwtCheck.WrongAlgorithm;
        }

        var expected = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        if (!CryptographicOperations.FixedTimeEquals(expected, signature))
        {
            return VonageJwtCheck.BadSignature;
        }

        if (!TryReadClaims(payload, out var issuedAt, out var payloadHash, out var jti))
        {
            return VonageJwtCheck.Malformed;
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(issuedAt);
        if (age.Duration() > _freshness)
        {
            return VonageJwtCheck.Stale;
        }

        if (checkBody)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(body));
            if (payloadHash is null ||
                !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.ASCII.GetBytes(payloadHash)))
            {
                return VonageJwtCheck.PayloadMismatch;
            }
        }

        tokenId = string.IsNullOrEmpty(jti) ? token : jti;
        return VonageJwtCheck.Valid;
    }

    private static byte[]? Decode(string base64Url)
    {
        var bytes = Encoding.ASCII.GetBytes(base64Url);
        var decoded = new byte[Base64Url.GetMaxDecodedLength(bytes.Length)];
        return Base64Url.DecodeFromUtf8(bytes, decoded, out _, out var written) == System.Buffers.OperationStatus.Done
            ? decoded[..written]
            : null;
    }

    private static bool IsHs256(byte[] header)
    {
        try
        {
            using var document = JsonDocument.Parse(header);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("alg", out var alg) &&
                alg.ValueKind == JsonValueKind.String && alg.ValueEquals("HS256");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadClaims(byte[] payload, out long issuedAt, out string? payloadHash, out string? jti)
    {
        issuedAt = 0;
        payloadHash = null;
        jti = null;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object ||
                !root.TryGetProperty("iat", out var iat) || iat.ValueKind != JsonValueKind.Number || !iat.TryGetInt64(out issuedAt))
            {
                return false;
            }

            if (root.TryGetProperty("payload_hash", out var hash) && hash.ValueKind == JsonValueKind.String)
            {
                payloadHash = hash.GetString();
            }

            if (root.TryGetProperty("jti", out var id) && id.ValueKind == JsonValueKind.String)
            {
                jti = id.GetString();
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
