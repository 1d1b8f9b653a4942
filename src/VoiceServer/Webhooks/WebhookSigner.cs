using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VoiceServer.CallRecords;

namespace VoiceServer.Webhooks;

/// <summary>
/// Signs what the server POSTs to the main app (call records, webhook tools) with <c>CALL_EVENTS_SIGNING_KEY</c>:
/// <c>X-Voice-Server-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(key, "t.body")&gt;</c>.
/// </summary>
internal sealed class WebhookSigner(IOptions<CallRecordOptions> options, TimeProvider timeProvider)
{
    public const string HeaderName = "X-Voice-Server-Signature";

    private readonly byte[]? _key = options.Value.SigningKey is { } key ? Encoding.UTF8.GetBytes(key) : null;

    /// <summary>Adds the signature header, when a key is configured.</summary>
    public void Sign(HttpRequestMessage request, byte[] body)
    {
        if (_key is null)
        {
            return;
        }

        var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = new byte[timestamp.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(timestamp, signed);
        signed[timestamp.Length] = (byte)'.';
        body.CopyTo(signed, timestamp.Length + 1);
        request.Headers.TryAddWithoutValidation(HeaderName, $"t={timestamp},v1={Convert.ToHexStringLower(HMACSHA256.HashData(_key, signed))}");
    }
}
