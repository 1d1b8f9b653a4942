using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.TwilioEmulator;

/// <summary>Realistic Twilio identifiers and the <c>X-Twilio-Signature</c> algorithm (docs/reference/twilio-media-streams.md §5.1).</summary>
public static class TwilioIds
{
    public static string NewStreamSid() => "MZ" + RandomNumberGenerator.GetHexString(32, lowercase: true);

    public static string NewCallSid() => "CA" + RandomNumberGenerator.GetHexString(32, lowercase: true);

    public static string NewAccountSid() => "AC" + RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>
    /// HMAC-SHA1 over the URL followed by each parameter name and value sorted ordinally; for the WebSocket upgrade
    /// the parameter list is empty and the URL is the <c>wss://</c> one written in the TwiML.
    /// </summary>
    public static string ComputeSignature(string authToken, string url, IEnumerable<KeyValuePair<string, string>>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        var data = new StringBuilder(url);
        foreach (var (name, value) in (parameters ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }

#pragma warning disable CA5350 // Twilio's signature is defined as HMAC-SHA1.
        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }
}
