using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.PlivoEmulator;

/// <summary>
/// Signs a WebSocket upgrade as Plivo does (plivo-audio-streams §5.2, GET): base64(HMAC-SHA256(Auth Token,
/// URL with its query sorted by name then value + "." + nonce)). Written from the reference for the fake's use only.
/// </summary>
public static class PlivoUpgradeSignature
{
    public static string Sign(string authToken, string url, string nonce)
    {
        var question = url.IndexOf('?', StringComparison.Ordinal);
        var signed = url;
        if (question >= 0)
        {
            var pairs = url[(question + 1)..]
                .Split('&', StringSplitOptions.RemoveEmptyEntries)
                .Select(static part => part.Split('=', 2))
                .Select(static part => (Name: Uri.UnescapeDataString(part[0].Replace('+', ' ')), Value: part.Length > 1 ? Uri.UnescapeDataString(part[1].Replace('+', ' ')) : string.Empty))
                .OrderBy(static pair => pair.Name, StringComparer.Ordinal)
                .ThenBy(static pair => pair.Value, StringComparer.Ordinal)
                .Select(static pair => $"{pair.Name}={pair.Value}");
            var query = string.Join('&', pairs);
            signed = url[..question] + (query.Length > 0 ? "?" + query : string.Empty);
        }

        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(signed + "." + nonce)));
    }

    /// <summary>The two headers Plivo puts on the upgrade.</summary>
    public static Dictionary<string, string> Headers(string authToken, string signedUrl, string nonce = "12345678901234567890") => new()
    {
        ["X-Plivo-Signature-V3"] = Sign(authToken, signedUrl, nonce),
        ["X-Plivo-Signature-V3-Nonce"] = nonce,
    };
}
