namespace VoiceServer.Configuration;

/// <summary>Settings of Telnyx calls (docs/configuration.md, docs/providers.md). All optional.</summary>
internal sealed class TelnyxOptions
{
    /// <summary>
    /// <c>TELNYX_API_KEY</c>: lets the agent hang up (<c>end_call</c>) and transfer (<c>transfer_call</c>) Telnyx calls
    /// through Call Control. Never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary><c>TELNYX_API_BASE_URL</c>: where Call Control requests go instead of <c>https://api.telnyx.com/v2</c> (tests, proxies).</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>
    /// <c>TELNYX_STREAM_AUTH_TOKEN</c>: when set, every Telnyx upgrade must carry it in
    /// <c>x-telnyx-streaming-auth-token</c> (Call Control's <c>stream_auth_token</c>). Never logged.
    /// </summary>
    public string? StreamAuthToken { get; set; }
}
