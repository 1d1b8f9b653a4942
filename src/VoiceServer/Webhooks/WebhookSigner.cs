using System.Text;
using VoiceServer.Secrets;

namespace VoiceServer.Webhooks;

/// <summary>
/// Signs what the server POSTs for one purpose, with that purpose's key (<see cref="WebhookSignature"/>): call
/// records with <c>CALL_EVENTS_SIGNING_KEY</c>, webhook tool calls with <c>TOOL_SIGNING_KEY</c>. Separate keys mean
/// a tool's receiver cannot forge a call record, and the records' receiver cannot forge a tool call.
/// </summary>
internal sealed class WebhookSigner(string? key, TimeProvider timeProvider)
{
    private readonly byte[]? _key = key is null ? null : Encoding.UTF8.GetBytes(key);

    /// <summary>Adds the signature header, when a key is configured.</summary>
    public void Sign(HttpRequestMessage request, byte[] body)
    {
        if (_key is not null && request.RequestUri is { } destination)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Create(_key, destination, body, timeProvider.GetUtcNow()));
        }
    }
}
