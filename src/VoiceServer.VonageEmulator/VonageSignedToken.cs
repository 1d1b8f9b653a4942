using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.VonageEmulator;

/// <summary>
/// The JWT Vonage signs webhooks and, with <c>"authorization":{"type":"vonage"}</c>, the WebSocket upgrade with
/// (vonage-voice-websockets §5.1): HS256 keyed with the account's signature secret, claims <c>iat</c>, <c>jti</c>,
/// <c>iss</c>, <c>api_key</c>, <c>application_id</c>, and <c>payload_hash</c> for a body. Made by hand here.
/// </summary>
public static class VonageSignedToken
{
    public static string Create(string signatureSecret, DateTimeOffset issuedAt, byte[]? body = null, string algorithm = "HS256")
    {
        var claims = new JsonObject
        {
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["jti"] = Guid.NewGuid().ToString(),
            ["iss"] = "Vonage",
            ["api_key"] = "abcd1234",
            ["application_id"] = "aaaaaaaa-0000-4000-8000-0123456789ab",
        };
        if (body is not null)
        {
            claims["payload_hash"] = Convert.ToHexStringLower(SHA256.HashData(body));
        }

        var header = new JsonObject { ["alg"] = algorithm, ["typ"] = "JWT" };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signatureSecret), Encoding.ASCII.GetBytes(signingInput));
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
