namespace VoiceServer.Configuration;

/// <summary>Settings of Plivo calls (docs/configuration.md, docs/providers.md). All optional.</summary>
internal sealed class PlivoOptions
{
    /// <summary>
    /// <c>PLIVO_AUTH_ID</c>: with <c>PLIVO_AUTH_TOKEN</c>, lets the agent hang up (<c>end_call</c>) and transfer
    /// (<c>transfer_call</c>) Plivo calls through Plivo's REST API.
    /// </summary>
    public string? AuthId { get; set; }

    /// <summary>
    /// <c>PLIVO_AUTH_TOKEN</c>: when set, every Plivo upgrade must carry a valid <c>X-Plivo-Signature-V3</c> over
    /// <c>PUBLIC_BASE_URL</c> + the request path and query; also the REST API's password. Never logged.
    /// </summary>
    public string? AuthToken { get; set; }

    /// <summary><c>PLIVO_API_BASE_URL</c>: where REST requests go instead of <c>https://api.plivo.com/v1</c> (tests, proxies).</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>
    /// <c>PLIVO_TRANSFER_URL</c>: the https URL a transferred caller's leg fetches its XML from, with <c>?to=</c> the
    /// E.164 number; it answers with a <c>&lt;Dial&gt;</c> to it. Plivo transfers to XML, not to a number.
    /// </summary>
    public Uri? TransferUrl { get; set; }
}
