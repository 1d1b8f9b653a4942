using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.Infrastructure;

/// <summary>
/// Operators' live-call commands written by hand from the documented format (docs/security.md), independently of
/// the product's codec: JSON, signed <c>v1=hex(HMAC-SHA256(k, "command." + body))</c> with
/// <c>k = HKDF-SHA256(CONFIG_SIGNING_KEY, 32 bytes, no salt, info "voice-server call commands v1")</c>.
/// </summary>
internal static class SignedCommands
{
    public const string Header = "X-Call-Command-Signature";

    public static JsonObject Command(string callSid, string action, string? to = null, string? text = null, DateTimeOffset? issuedAt = null, string? id = null, string? replyTo = null)
    {
        var command = new JsonObject
        {
            ["id"] = id ?? Guid.NewGuid().ToString("N"),
            ["callSid"] = callSid,
            ["action"] = action,
            ["issuedAt"] = (issuedAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds(),
        };
        if (to is not null)
        {
            command["to"] = to;
        }

        if (text is not null)
        {
            command["text"] = text;
        }

        if (replyTo is not null)
        {
            command["replyTo"] = replyTo;
        }

        return command;
    }

    public static string Sign(string body, string secret = ConfigTokens.SigningKey, string purpose = "command")
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [], info: "voice-server call commands v1"u8.ToArray());
        return "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{purpose}.{body}")));
    }

    /// <summary>POSTs <paramref name="body"/> to the voice server's command endpoint, signed unless told otherwise.</summary>
    public static async Task<HttpResponseMessage> PostAsync(
        TestVoiceServer server, string callSid, string body, CancellationToken cancellationToken, string? signature = null, bool signed = true, string? path = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.HttpUrl(path ?? $"/api/calls/{callSid}/commands"))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        if (signed)
        {
            request.Headers.Add(Header, signature ?? Sign(body));
        }

        var response = await http.SendAsync(request, cancellationToken);
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        return response;
    }

    public static string Unix(DateTimeOffset time) => time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
}
