namespace VoiceServer.Configuration;

/// <summary>Settings of Vonage calls (docs/configuration.md, docs/providers.md). All optional.</summary>
internal sealed class VonageOptions
{
    /// <summary>
    /// <c>VONAGE_SIGNATURE_SECRET</c>: the account's signature secret. Without <c>CONFIG_SIGNING_KEY</c>, every Vonage
    /// upgrade must carry Vonage's own JWT (NCCO <c>"authorization":{"type":"vonage"}</c>: HS256, fresh <c>iat</c>).
    /// Never logged.
    /// </summary>
    public string? SignatureSecret { get; set; }

    /// <summary><c>VONAGE_APPLICATION_ID</c>: with <c>VONAGE_PRIVATE_KEY</c>, lets the agent hang up and transfer Vonage calls.</summary>
    public string? ApplicationId { get; set; }

    /// <summary><c>VONAGE_PRIVATE_KEY</c>: the application's RSA private key, PEM (<c>\n</c> escapes allowed). Never logged.</summary>
    public string? PrivateKey { get; set; }

    /// <summary><c>VONAGE_API_BASE_URL</c>: where REST requests go instead of <c>https://api.nexmo.com</c> (tests, proxies, regions).</summary>
    public Uri? ApiBaseUrl { get; set; }
}
