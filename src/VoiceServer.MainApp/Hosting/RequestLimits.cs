using Microsoft.AspNetCore.Mvc;

namespace VoiceServer.MainApp.Hosting;

/// <summary>
/// How large a request body each endpoint accepts. Kestrel enforces the cap while the body is read (at once when
/// Content-Length says more), so nothing larger is ever buffered; a refusal is a 413 with a JSON error.
/// </summary>
internal static class RequestLimits
{
    /// <summary>Any endpoint that sets no cap of its own (health, anything added later): bodies are not expected there.</summary>
    public const long DefaultBodyBytes = 64 * 1024;

    /// <summary>Twilio's voice webhook: a few dozen short form fields, a few KiB even with add-on results.</summary>
    public const long VoiceWebhookBodyBytes = 64 * 1024;

    /// <summary>Twilio sends about 20 to 40 fields; far more is not Twilio.</summary>
    public const int VoiceWebhookMaxFields = 256;

    /// <summary>A call record: an hour of conversation is about 100 KiB of transcript, so this fits calls of many hours.</summary>
    public const long CallRecordBodyBytes = 2 * 1024 * 1024;

    /// <summary>An agent: prompt, tools and greeting stay under 40,000 characters, each at most 6 bytes JSON-escaped.</summary>
    public const long AdminBodyBytes = 1024 * 1024;

    /// <summary>Caps the request body of these endpoints (routing applies it before the endpoint runs).</summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long maxBytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimitAttribute(maxBytes));
}
