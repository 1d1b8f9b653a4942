using Twilio.Security;

namespace VoiceServer.Twilio;

/// <summary>
/// Checks <c>X-Twilio-Signature</c> on the WebSocket upgrade. Twilio signs the <c>wss://</c> URL exactly as the
/// TwiML writes it, with no parameters (twilio-media-streams §5), so the URL is rebuilt from the configured public
/// base, never from <c>Host</c> or <c>X-Forwarded-*</c>: behind TLS termination ASP.NET sees http(s), which would
/// not match, and those headers are the caller's to forge.
/// </summary>
public sealed class TwilioSignatureValidator
{
    private readonly RequestValidator _validator;
    private readonly string _publicBaseUrl;

    /// <param name="authToken">The account's Auth Token: the HMAC key. Never logged.</param>
    /// <param name="publicBaseUrl">The public origin, e.g. <c>wss://voice.example.com</c>, with no trailing slash.</param>
    public TwilioSignatureValidator(string authToken, string publicBaseUrl)
    {
        _validator = new RequestValidator(authToken);
        _publicBaseUrl = publicBaseUrl.TrimEnd('/');
    }

    /// <summary>The URL Twilio signed for this request path and query string.</summary>
    public string SignedUrl(string pathAndQuery) => _publicBaseUrl + pathAndQuery;

    /// <summary>True when <paramref name="signature"/> is Twilio's for this path and query (compared in constant time by the SDK).</summary>
    public bool IsValid(string pathAndQuery, string? signature) =>
        !string.IsNullOrEmpty(signature) &&
        _validator.Validate(SignedUrl(pathAndQuery), new Dictionary<string, string>(), signature);
}
