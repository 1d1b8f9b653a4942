using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Hosting;

/// <summary>The main app's settings, from environment variables (see docs/main-app.md).</summary>
internal sealed class MainAppOptions
{
    /// <summary><c>VOICE_SERVER_URL</c>: the voice server's public base, e.g. <c>wss://voice-server.fly.dev</c>.</summary>
    public Uri VoiceServerUrl { get; set; } = new("ws://localhost:8080");

    /// <summary><c>PUBLIC_URL</c>: this app's public base as Twilio calls it (signature checks, the records' callback).</summary>
    public Uri? PublicUrl { get; set; }

    /// <summary><c>TWILIO_AUTH_TOKEN</c>: when set, the voice webhook must carry a valid <c>X-Twilio-Signature</c>. Never logged.</summary>
    public string? TwilioAuthToken { get; set; }

    /// <summary><c>TWILIO_ACCOUNT_SID</c>: with <c>TWILIO_AUTH_TOKEN</c>, lets the app place outbound calls through Twilio's REST API.</summary>
    public string? TwilioAccountSid { get; set; }

    /// <summary><c>TWILIO_API_BASE_URL</c>: where Twilio REST requests go instead of <c>https://api.twilio.com</c> (tests, proxies).</summary>
    public Uri? TwilioApiBaseUrl { get; set; }

    /// <summary><c>TWILIO_CALLER_ID</c>: an E.164 number of the account any agent may call from, besides its own numbers.</summary>
    public string? TwilioCallerId { get; set; }

    /// <summary><c>ADMIN_API_KEY</c>: the admin API's key (<c>X-Api-Key</c>); without it the admin API refuses everything.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary><c>ENCRYPTION_KEY</c>: 32 bytes, base64, that encrypt agents' OpenAI keys at rest (AES-256-GCM).</summary>
    public byte[]? EncryptionKey { get; set; }

    /// <summary><c>CALL_EVENTS_SIGNING_KEY</c>: the key the voice server signs call records with (the same on both).</summary>
    public string? CallEventsSigningKey { get; set; }

    /// <summary>A path under <paramref name="publicUrl"/>, keeping any path prefix it has (a proxy that mounts the app under one).</summary>
    public static string PublicPath(Uri publicUrl, string pathAndQuery) => publicUrl.AbsoluteUri.TrimEnd('/') + pathAndQuery;

    /// <summary>
    /// <c>ALLOW_UNAUTHENTICATED</c>: the explicit development opt-out that lets the app start without
    /// <c>TWILIO_AUTH_TOKEN</c> or <c>CALL_EVENTS_SIGNING_KEY</c> (then the webhook answers anyone, records arrive unsigned).
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>
    /// <c>TELNYX_PUBLIC_KEY</c>: the Telnyx account's Ed25519 public key (base64 of 32 bytes, as the portal shows it);
    /// the TeXML webhook requires a valid <c>telnyx-signature-ed25519</c> with it, and refuses every call without it.
    /// </summary>
    public string? TelnyxPublicKey { get; set; }

    /// <summary><c>TELNYX_API_KEY</c>: lets the admin API fetch and delete Telnyx calls' recordings (<c>Authorization: Bearer</c>). Never logged.</summary>
    public string? TelnyxApiKey { get; set; }

    /// <summary><c>TELNYX_API_BASE_URL</c>: where Telnyx REST requests go instead of <c>https://api.telnyx.com/v2</c> (tests, proxies).</summary>
    public Uri? TelnyxApiBaseUrl { get; set; }

    /// <summary>
    /// <c>TELNYX_RECORDING_ORIGINS</c>: the only origins (scheme, host and port) whose download URLs, as Telnyx's API
    /// answers them for a recording, the app follows: by default the S3 endpoint Telnyx stores recordings on.
    /// </summary>
    public IReadOnlyList<Uri> TelnyxRecordingOrigins { get; set; } = [new("https://s3.amazonaws.com")];

    /// <summary><c>PLIVO_AUTH_TOKEN</c>: the answer and transfer URLs require a valid <c>X-Plivo-Signature-V3</c> with it. Never logged.</summary>
    public string? PlivoAuthToken { get; set; }

    /// <summary><c>PLIVO_AUTH_ID</c>: with <c>PLIVO_AUTH_TOKEN</c>, lets the admin API fetch and delete Plivo calls' recordings (HTTP Basic).</summary>
    public string? PlivoAuthId { get; set; }

    /// <summary><c>PLIVO_API_BASE_URL</c>: where Plivo REST requests go instead of <c>https://api.plivo.com/v1</c> (tests, proxies).</summary>
    public Uri? PlivoApiBaseUrl { get; set; }

    /// <summary><c>PLIVO_MEDIA_BASE_URL</c>: where recordings' files are fetched instead of <c>https://media.plivo.com/v1</c> (tests, proxies).</summary>
    public Uri? PlivoMediaBaseUrl { get; set; }

    /// <summary><c>VONAGE_SIGNATURE_SECRET</c>: the answer and event webhooks require a JWT signed with it (HS256). Never logged.</summary>
    public string? VonageSignatureSecret { get; set; }

    /// <summary><c>VONAGE_APPLICATION_ID</c>: with <c>VONAGE_PRIVATE_KEY</c>, lets the admin API fetch Vonage calls' recordings (an application JWT).</summary>
    public string? VonageApplicationId { get; set; }

    /// <summary><c>VONAGE_PRIVATE_KEY</c>: the Vonage application's RSA private key, PEM (<c>\n</c> escapes allowed). Never logged.</summary>
    public string? VonagePrivateKey { get; set; }

    /// <summary>
    /// <c>VONAGE_RECORDING_ORIGINS</c>: the only origins (scheme, host and port) whose recording URLs, as Vonage's
    /// recording callback sends them, the app keeps and fetches: by default Vonage's API hosts, global and regional.
    /// </summary>
    public IReadOnlyList<Uri> VonageRecordingOrigins { get; set; } =
    [
        new("https://api.nexmo.com"),
        new("https://api-us.nexmo.com"),
        new("https://api-eu.nexmo.com"),
        new("https://api-ap.nexmo.com"),
        new("https://api.vonage.com"),
        new("https://api-us.vonage.com"),
        new("https://api-eu.vonage.com"),
        new("https://api-ap.vonage.com"),
    ];

    /// <summary>
    /// <c>CALLER_PROVIDERS</c>: the providers whose webhooks this deployment serves (each then needs its secret), or
    /// null when unset: Twilio, and each other provider whose secret is set (all four with <c>ALLOW_UNAUTHENTICATED</c>).
    /// </summary>
    public IReadOnlySet<PhoneProvider>? CallerProviders { get; set; }

    /// <summary>Whether <paramref name="provider"/>'s webhooks answer; any other provider's answer 404 <c>provider_not_served</c>.</summary>
    public bool Serves(PhoneProvider provider) =>
        CallerProviders?.Contains(provider) ?? (provider == PhoneProvider.Twilio || AllowUnauthenticated || SecretOf(provider) is not null);

    /// <summary>The secret that authenticates <paramref name="provider"/>'s webhooks, or null when it is not set.</summary>
    public string? SecretOf(PhoneProvider provider) => provider switch
    {
        PhoneProvider.Twilio => TwilioAuthToken,
        PhoneProvider.Telnyx => TelnyxPublicKey,
        PhoneProvider.Plivo => PlivoAuthToken,
        PhoneProvider.Vonage => VonageSignatureSecret,
        _ => null,
    };

    /// <summary>The setting that holds <paramref name="provider"/>'s secret.</summary>
    public static string SecretName(PhoneProvider provider) => provider switch
    {
        PhoneProvider.Twilio => "TWILIO_AUTH_TOKEN",
        PhoneProvider.Telnyx => "TELNYX_PUBLIC_KEY",
        PhoneProvider.Plivo => "PLIVO_AUTH_TOKEN",
        PhoneProvider.Vonage => "VONAGE_SIGNATURE_SECRET",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, null),
    };

    /// <summary><c>CONFIG_SIGNING_KEY</c>: when set (as on the voice server), calls get one signed config token instead of plain parameters.</summary>
    public string? ConfigSigningKey { get; set; }

    /// <summary>The key live-call commands are signed with, derived from <c>CONFIG_SIGNING_KEY</c>; null without it.</summary>
    public byte[]? CommandKey => ConfigSigningKey is null ? null : Commands.CallCommandSignature.Key(ConfigSigningKey);

    /// <summary>
    /// <c>REDIS_URL</c>, parsed as the voice server parses it: live-call commands go through Redis to whichever instance
    /// holds the call. Null: straight to <c>VOICE_SERVER_URL</c>. Holds the password: never log it whole.
    /// </summary>
    public StackExchange.Redis.ConfigurationOptions? Redis { get; set; }
}
