using System.ComponentModel.DataAnnotations;

namespace VoiceServer.Configuration;

/// <summary>Server-wide settings, read from environment variables (see docs/configuration.md).</summary>
internal sealed class VoiceServerOptions
{
    /// <summary><c>ALLOWED_ORIGINS</c>: comma-separated origins allowed to open the media socket from a browser.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; set; } = [];

    /// <summary><c>OPENAI_API_KEY</c>: the key for calls that bring none. Never logged.</summary>
    public string? OpenAIApiKey { get; set; }

    /// <summary>
    /// <c>OPENAI_REALTIME_MODELS</c>: models, besides <c>OPENAI_REALTIME_MODEL</c>, that a call on the server's key may
    /// name. A call that names another is refused; a call on its own key may name any.
    /// </summary>
    public IReadOnlyList<string> ServerKeyModels { get; set; } = [];

    /// <summary>
    /// <c>ALLOW_UNAUTHENTICATED</c>: lets a server that holds <c>OPENAI_API_KEY</c> start while a served path has
    /// nothing that proves who a call comes from (<see cref="PathsOpenToStrangers"/>). For local experiments only;
    /// announced with a warning at start-up.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>
    /// <c>CALLER_PROVIDERS</c>: the providers whose media-stream path this server serves (all by default); the path of
    /// any other answers 404. A team on one carrier turns the others' paths off.
    /// </summary>
    public IReadOnlyList<string> CallerProviders { get; set; } = CallerProviderKeys.All;

    public bool Serves(string provider) => CallerProviders.Contains(provider, StringComparer.Ordinal);

    /// <summary>
    /// The served paths where a stranger could talk to an agent on the server's key, each with the setting that would
    /// prove its callers; empty when the server holds no key, runs the emulator, or every served path is proven. A
    /// signed configuration proves every path. Twilio's signature proves Twilio's and closes Telnyx's, Plivo's and Vonage's
    /// unless their own proof is set, since those are never weaker than Twilio's.
    /// </summary>
    public IReadOnlyList<string> PathsOpenToStrangers(string? telnyxStreamAuthToken, string? plivoAuthToken, string? vonageSignatureSecret)
    {
        if (OpenAIApiKey is null || LocalEmulator || ConfigSigningKey is not null || TwilioAuthToken is not null)
        {
            return [];
        }

        var open = new List<string>();
        if (Serves(CallerProviderKeys.Twilio))
        {
            open.Add("/api/twilio/media-stream (TWILIO_AUTH_TOKEN with PUBLIC_BASE_URL)");
        }

        if (Serves(CallerProviderKeys.Telnyx) && telnyxStreamAuthToken is null)
        {
            open.Add("/api/telnyx/media-stream (TELNYX_STREAM_AUTH_TOKEN)");
        }

        if (Serves(CallerProviderKeys.Plivo) && plivoAuthToken is null)
        {
            open.Add("/api/plivo/media-stream (PLIVO_AUTH_TOKEN with PUBLIC_BASE_URL)");
        }

        if (Serves(CallerProviderKeys.Vonage) && vonageSignatureSecret is null)
        {
            open.Add("/api/vonage/media-stream (VONAGE_SIGNATURE_SECRET)");
        }

        return open;
    }

    /// <summary>
    /// <c>MEDIA_STREAM_MAX_MESSAGE_BYTES</c>: a larger text message from the caller ends the call with 1009.
    /// 64 KiB holds about 6 s of audio in one media message; Twilio sends 20 ms (≈ 400 bytes).
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// <c>MEDIA_STREAM_MAX_MESSAGES_PER_SECOND</c>: the caller's sustained message rate; a burst of ten seconds' worth
    /// is allowed (a client replaying buffered audio). Twilio sends about 60 a second (media and marks).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxMessagesPerSecond { get; set; } = 250;

    /// <summary>Messages queued for Twilio before the caller counts as too slow (agent audio arrives in bursts).</summary>
    [Range(16, 1_000_000)]
    public int OutboundCapacity { get; set; } = 4096;

    /// <summary><c>CALL_START_TIMEOUT_SECONDS</c>: how long to wait for Twilio's <c>start</c>.</summary>
    [Range(1, 300)]
    public int StartTimeoutSeconds { get; set; } = 10;

    /// <summary><c>MODEL_SESSION_TIMEOUT_SECONDS</c>: how long the model has to confirm the session.</summary>
    [Range(1, 300)]
    public int SessionSetupTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// <c>DRAIN_TIMEOUT</c>: seconds live calls may go on after SIGTERM before they are ended with 1001. Keep
    /// Fly.io's <c>kill_timeout</c> above it.
    /// </summary>
    [Range(0, 3600)]
    public int DrainTimeoutSeconds { get; set; } = 60;

    /// <summary><c>MAX_CONCURRENT_CALLS</c>: upgrades beyond it get 503, so a proxy can try another instance.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentCalls { get; set; } = 250;

    /// <summary>
    /// <c>TWILIO_AUTH_TOKEN</c>: when set, every upgrade must carry a valid <c>X-Twilio-Signature</c>. Never logged.
    /// </summary>
    public string? TwilioAuthToken { get; set; }

    /// <summary>
    /// <c>PUBLIC_BASE_URL</c>: the public <c>wss://</c> origin exactly as the TwiML's Stream URL writes it (e.g.
    /// <c>wss://voice-server.fly.dev</c>); the signature is checked over it plus the request path.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// <c>CONFIG_SIGNING_KEY</c>: when set (at least 32 bytes), calls must bring their configuration as a signed JWT
    /// in the <c>config</c> parameter. Never logged.
    /// </summary>
    public string? ConfigSigningKey { get; set; }

    /// <summary><c>FAILED_UPGRADES_PER_MINUTE</c>: refused media-stream requests one client may make per minute before 429.</summary>
    [Range(1, 1_000_000)]
    public int FailedUpgradesPerMinute { get; set; } = 30;

    /// <summary>
    /// <c>CLIENT_IP_HEADER</c>: the header a trusted proxy sets to the client's address (Fly.io: <c>Fly-Client-IP</c>);
    /// without it the connection's remote address is used.
    /// </summary>
    public string? ClientIpHeader { get; set; }

    /// <summary>
    /// <c>MAX_CALL_DURATION</c>: seconds after which a call is ended politely (goodbye, then hang up); 0 = no limit.
    /// Model sessions are recycled before the provider's cap, so it may exceed it.
    /// </summary>
    [Range(0, 86_400)]
    public int MaxCallDurationSeconds { get; set; }

    /// <summary>
    /// <c>MODEL_RECONNECT_TIMEOUT_SECONDS</c>: how long a call may spend replacing a lost model session before it
    /// ends with <c>model_reconnect_failed</c>. Caller audio is buffered meanwhile (up to about 15 s).
    /// </summary>
    [Range(1, 300)]
    public int ModelReconnectTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// <c>MODEL_SESSION_MAX_SECONDS</c>: the provider's session cap, which sessions are recycled ahead of. Unset: 3600
    /// for OpenAI, 1800 for Azure OpenAI endpoints; 0 turns proactive recycling off.
    /// </summary>
    [Range(0, 86_400)]
    public int? ModelSessionMaxSeconds { get; set; }

    /// <summary>
    /// <c>INPUT_TRANSCRIPTION_MODEL</c>: transcribes the caller for the transcript that a replacement session is
    /// given (default gpt-4o-mini-transcribe); <c>none</c> turns it off.
    /// </summary>
    public string? InputTranscriptionModel { get; set; } = "gpt-4o-mini-transcribe";

    /// <summary>
    /// <c>TWILIO_ACCOUNT_SID</c>: with <c>TWILIO_AUTH_TOKEN</c>, lets the agent hang up (<c>end_call</c>) and transfer
    /// (<c>transfer_call</c>) through Twilio's REST API.
    /// </summary>
    public string? TwilioAccountSid { get; set; }

    /// <summary><c>TWILIO_API_BASE_URL</c>: where Twilio REST requests go instead of <c>https://api.twilio.com</c> (tests, proxies).</summary>
    public Uri? TwilioApiBaseUrl { get; set; }

    /// <summary>
    /// <c>MAX_HANDOFFS_PER_CALL</c>: how many times one call may be handed between agents (<c>transfer_to_agent</c>);
    /// beyond it the model is told to carry on itself, so agents handing a call back and forth cannot loop.
    /// </summary>
    [Range(0, 50)]
    public int MaxHandoffsPerCall { get; set; } = 5;

    /// <summary>
    /// <c>MODEL_MAX_TRACKED_ITEMS</c>: how many conversation items of one model session the call keeps the ids of, so a
    /// handoff in place can trim the conversation (<c>last_turns</c>, <c>summary</c>); past it, such a handoff replaces the session.
    /// </summary>
    [Range(1, 100_000)]
    public int ModelMaxTrackedItems { get; set; } = 1000;

    /// <summary><c>TOOL_TIMEOUT_SECONDS</c>: how long a webhook tool may take before the model is told it did not answer.</summary>
    [Range(1, 120)]
    public int ToolTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// <c>TOOL_SIGNING_KEY</c>: the HMAC-SHA256 key of webhook tool calls' signature header (at least 32 bytes, not
    /// the call records' key); tool calls go unsigned without it. Never logged.
    /// </summary>
    public string? ToolSigningKey { get; set; }

    /// <summary><c>METRICS_BEARER_TOKEN</c>: when set, <c>/metrics</c> answers only <c>Authorization: Bearer</c> with it. Never logged.</summary>
    public string? MetricsBearerToken { get; set; }

    /// <summary><c>VOICE_SERVER_LOCAL_EMULATOR</c> or <c>--local-emulator</c>: serve calls with the built-in emulator.</summary>
    public bool LocalEmulator { get; set; }

    /// <summary>
    /// <c>PLAYGROUND_ENABLED</c>: serve the browser playground at <c>/playground/</c> and its live view. Unset: on
    /// with the local emulator (when Twilio's path, which the playground speaks, is served), off otherwise.
    /// </summary>
    public bool? PlaygroundEnabled { get; set; }

    public bool IsPlaygroundEnabled => PlaygroundEnabled ?? (LocalEmulator && Serves(CallerProviderKeys.Twilio));

    /// <summary>
    /// <c>PLAYGROUND_ACCESS_KEY</c>: when set, placing a playground call needs it (<c>Authorization: Bearer</c>).
    /// Required when the playground is on and <c>TWILIO_AUTH_TOKEN</c> guards the media socket. Never logged.
    /// </summary>
    public string? PlaygroundAccessKey { get; set; }
}
