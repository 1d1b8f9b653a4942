using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.Tests.MainApp;

/// <summary>
/// The voice server's request for a handoff destination, written by hand from the documented scheme (docs/security.md):
/// <c>X-Voice-Server-Signature: t=…,v2=hex(HMAC-SHA256(k, "t.url.body"))</c> with
/// <c>k = HKDF-SHA256(CONFIG_SIGNING_KEY, 32 bytes, no salt, info "voice-server agent handoffs v1")</c>.
/// </summary>
internal static class HandoffRequests
{
    public static string Body(string callSid, string from, string to) =>
        new JsonObject { ["callSid"] = callSid, ["fromAgentId"] = from, ["toAgentId"] = to }.ToJsonString();

    public static string Signature(Uri url, string body, string configKey = SystemHarness.ConfigKey, DateTimeOffset? at = null)
    {
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(configKey), 32, [], "voice-server agent handoffs v1"u8.ToArray());
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{timestamp}.{url.AbsoluteUri}.{body}"));
        return $"t={timestamp},v2={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>POSTs <paramref name="body"/> to <paramref name="url"/> with <paramref name="signature"/> (none when null).</summary>
    public static async Task<HttpResponseMessage> PostAsync(SystemHarness system, Uri url, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Voice-Server-Signature", signature);
        }

        return await system.Anonymous.SendAsync(request, system.Token);
    }

    /// <summary>A request signed for the canonical URL, as the voice server sends it.</summary>
    public static Task<HttpResponseMessage> PostSignedAsync(SystemHarness system, string callSid, string from, string to)
    {
        var url = new Uri(system.BaseAddress, "/api/handoffs");
        var body = Body(callSid, from, to);
        return PostAsync(system, url, body, Signature(url, body));
    }
}
