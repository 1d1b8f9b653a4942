using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// Signed call configurations written by hand from the documented format, independently of the product's token
/// library: an HS256 JWT (RFC 7519), optionally wrapped in a JWE (RFC 7516) with <c>dir</c> and
/// <c>A256CBC-HS512</c> (RFC 7518 §5.2.5) under a key derived with HKDF-SHA256 from the same secret.
/// </summary>
internal static class ConfigTokens
{
    public const string SigningKey = "test-signing-key-0123456789abcdef0123456789";

    public static string Signed(JsonObject claims, string key = SigningKey, TimeSpan? lifetime = null, string? callSid = null)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JsonObject
        {
            ["aud"] = "voice-server",
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.Add(lifetime ?? TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        foreach (var (name, value) in claims)
        {
            payload[name] = value?.DeepClone();
        }

        if (callSid is not null)
        {
            payload["callSid"] = callSid;
        }

        var header = Base64Url("""{"alg":"HS256","typ":"JWT"}"""u8);
        var body = Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.ASCII.GetBytes($"{header}.{body}")));
        return $"{header}.{body}.{signature}";
    }

    public static string SignedAndEncrypted(JsonObject claims, string key = SigningKey, TimeSpan? lifetime = null, string? callSid = null) =>
        Encrypt(Signed(claims, key, lifetime, callSid), key);

    /// <summary>A JWE in compact form: header, empty encrypted key (dir), IV, ciphertext, tag.</summary>
    public static string Encrypt(string signedToken, string key = SigningKey)
    {
        var contentKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(key), 64, [], "voice-server signed configuration encryption v1"u8.ToArray());
        var header = Base64Url("""{"alg":"dir","enc":"A256CBC-HS512","kid":"config-encryption-1","cty":"JWT"}"""u8);
        var iv = RandomNumberGenerator.GetBytes(16);
        using var aes = Aes.Create();
        aes.Key = contentKey[32..];
        var ciphertext = aes.EncryptCbc(Encoding.ASCII.GetBytes(signedToken), iv, PaddingMode.PKCS7);
        var aad = Encoding.ASCII.GetBytes(header);
        var lengthBits = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(lengthBits, aad.Length * 8L);
        byte[] authenticated = [.. aad, .. iv, .. ciphertext, .. lengthBits];
        var tag = HMACSHA512.HashData(contentKey[..32], authenticated).AsSpan(0, 32).ToArray();
        return $"{header}..{Base64Url(iv)}.{Base64Url(ciphertext)}.{Base64Url(tag)}";
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);
}
