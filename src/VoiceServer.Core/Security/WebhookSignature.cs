using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Security;

/// <summary>
/// The signature on what the voice server POSTs (call records, webhook tools), for both ends:
/// <c>X-Voice-Server-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(key, "t.body")&gt;</c>.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Voice-Server-Signature";

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="now"/>.</summary>
    public static string Create(byte[] key, byte[] body, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v1={Convert.ToHexStringLower(Mac(key, timestamp, body))}";
    }

    /// <summary>The receiver's check: the right MAC, in constant time, and a <c>t</c> within <paramref name="window"/> of now.</summary>
    public static bool IsValid(string header, byte[] key, byte[] body, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(header);
        string? timestamp = null;
        string? signature = null;
        foreach (var part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                timestamp = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                signature = part[3..];
            }
        }

        if (timestamp is null || signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)window.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(key, timestamp, body)));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private static byte[] Mac(byte[] key, string timestamp, byte[] body)
    {
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed, timestamp.Length + 1);
        return HMACSHA256.HashData(key, signed);
    }
}
