using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.Secrets;

/// <summary>
/// The signature on what the voice server POSTs (call records, webhook tools), for both ends:
/// <c>X-Voice-Server-Signature: t=&lt;unix seconds&gt;,v2=&lt;hex HMAC-SHA256(key, "t.url.body")&gt;</c>, where
/// <c>url</c> is the absolute URL the request was sent to. Binding the destination means a signed request cannot be
/// replayed to another receiver (a record sent to one URL does not verify at another), and each purpose has its own key.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Voice-Server-Signature";

    /// <summary>The header value for <paramref name="body"/> sent to <paramref name="destination"/> at <paramref name="now"/>.</summary>
    public static string Create(byte[] key, Uri destination, byte[] body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={timestamp},v2={Convert.ToHexStringLower(Mac(key, timestamp, destination, body))}";
    }

    /// <summary>
    /// The receiver's check: the right MAC for the URL the receiver is reached at (its public URL plus path and query),
    /// in constant time, and a <c>t</c> within <paramref name="window"/> of now.
    /// </summary>
    public static bool IsValid(string header, byte[] key, Uri destination, byte[] body, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(destination);
        string? timestamp = null;
        string? signature = null;
        foreach (var part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                timestamp = part[2..];
            }
            else if (part.StartsWith("v2=", StringComparison.Ordinal))
            {
                signature = part[3..];
            }
        }

        if (timestamp is null || signature is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            Math.Abs(now.ToUnixTimeSeconds() - seconds) > (long)window.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Mac(key, timestamp, destination, body)));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private static byte[] Mac(byte[] key, string timestamp, Uri destination, byte[] body)
    {
        // AbsoluteUri is the normalised form both ends compute (lower-case scheme and host, default port dropped).
        var prefix = Encoding.UTF8.GetBytes($"{timestamp}.{destination.AbsoluteUri}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed, prefix.Length);
        return HMACSHA256.HashData(key, signed);
    }
}
