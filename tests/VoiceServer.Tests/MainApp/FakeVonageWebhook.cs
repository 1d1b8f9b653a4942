using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// What Vonage does when a call reaches a Voice application with signed webhooks (vonage-voice-websockets §5.1): a GET
/// with the call in the query, or a POST with it as JSON, carrying <c>Authorization: Bearer &lt;JWT&gt;</c> (HS256 with the
/// signature secret; <c>iat</c>, <c>jti</c>, and <c>payload_hash</c>, the hex SHA-256 of a POST body). The JWT is
/// written here by hand from the reference, not with IdentityModel, so a bug in the main app's check cannot hide.
/// </summary>
internal static class FakeVonageWebhook
{
    public const string Secret = "vonage-signature-secret-for-tests-0123456789";

    public static JsonObject IncomingCall(string to, string uuid, string from = "15550001111") => new()
    {
        ["from"] = from,
        ["to"] = to,
        ["uuid"] = uuid,
        ["conversation_uuid"] = "CON-" + Guid.NewGuid(),
        ["region_url"] = "https://api-us-3.vonage.com",
    };

    public static string Token(string secret = Secret, byte[]? body = null, DateTimeOffset? issuedAt = null, string algorithm = "HS256", string? jti = null, Action<JsonObject>? edit = null)
    {
        var header = new JsonObject { ["alg"] = algorithm, ["typ"] = "JWT" };
        var payload = new JsonObject
        {
            ["iat"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
            ["jti"] = jti ?? Guid.NewGuid().ToString(),
            ["iss"] = "Vonage",
            ["api_key"] = "abcd1234",
            ["application_id"] = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
        };
        if (body is { Length: > 0 })
        {
            payload["payload_hash"] = Convert.ToHexStringLower(SHA256.HashData(body));
        }

        edit?.Invoke(payload);
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var key = Encoding.UTF8.GetBytes(secret);
        var signature = algorithm switch
        {
            "HS256" => HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signingInput)),
            "HS384" => HMACSHA384.HashData(key, Encoding.ASCII.GetBytes(signingInput)),
            "none" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        return signingInput + "." + Base64Url(signature);
    }

    public static HttpRequestMessage Get(Uri url, JsonObject call, string? token)
    {
        var query = string.Join('&', call.Select(static p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString((string)p.Value!)}"));
        var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(url) { Query = query }.Uri);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        return request;
    }

    /// <summary>A POST of <paramref name="body"/>, with a token signed for it unless one is given.</summary>
    public static HttpRequestMessage Post(Uri url, string body, string? token = "", string contentType = "application/json")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new(contentType);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + (token.Length == 0 ? Token(body: bytes) : token));
        }

        return request;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
