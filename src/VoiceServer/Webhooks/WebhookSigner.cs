using System.Text;
using Microsoft.Extensions.Options;
using VoiceServer.CallRecords;
using VoiceServer.Security;

namespace VoiceServer.Webhooks;

/// <summary>Signs what the server POSTs to the main app (call records, webhook tools) with <c>CALL_EVENTS_SIGNING_KEY</c> (<see cref="WebhookSignature"/>).</summary>
internal sealed class WebhookSigner(IOptions<CallRecordOptions> options, TimeProvider timeProvider)
{
    private readonly byte[]? _key = options.Value.SigningKey is { } key ? Encoding.UTF8.GetBytes(key) : null;

    /// <summary>Adds the signature header, when a key is configured.</summary>
    public void Sign(HttpRequestMessage request, byte[] body)
    {
        if (_key is not null && request.RequestUri is { } destination)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(_key, destination, body, timeProvider.GetUtcNow()));
        }
    }
}
