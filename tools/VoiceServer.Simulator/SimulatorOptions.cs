namespace VoiceServer.Simulator;

public sealed record SimulatorOptions
{
    public const string DefaultUrl = "ws://localhost:8080/api/twilio/media-stream";

    /// <summary>Whose caller to play; <see cref="Url"/> must be that provider's path.</summary>
    public TelephonyProvider Provider { get; init; } = TelephonyProvider.Twilio;

    public Uri Url { get; init; } = new(DefaultUrl);

    /// <summary>A main app's voice webhook to call first (as Twilio does); its TwiML then gives the URL and parameters.</summary>
    public Uri? Webhook { get; init; }

    /// <summary>With <see cref="Webhook"/>: the dialled number (<c>To</c>) and the caller's (<c>From</c>).</summary>
    public string To { get; init; } = "+15550100000";

    public string From { get; init; } = "+15550199999";

    /// <summary>The call's <c>CallSid</c> in <c>start</c> (with <see cref="Webhook"/>: the one the webhook was told); null for a new one.</summary>
    public string? CallSid { get; init; }

    public string AgentId { get; init; } = "demo";

    public string? Prompt { get; init; }

    public string? Voice { get; init; }

    public string? Greeting { get; init; }

    /// <summary>Passed through as text; the server validates it.</summary>
    public string? Temperature { get; init; }

    public string? Model { get; init; }

    /// <summary>Sent as <c>openAIKey</c>; never printed.</summary>
    public string? OpenAIKey { get; init; }

    /// <summary>Any further parameters, in order (a later duplicate wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; init; } = [];

    /// <summary>Null: where the provider carries them (Twilio's and Telnyx's custom parameters, Plivo's query string).</summary>
    public ParameterPlacement? ParametersIn { get; init; }

    /// <summary>Where the parameters go for this call.</summary>
    public ParameterPlacement Placement => ParametersIn ?? (Provider == TelephonyProvider.Plivo ? ParameterPlacement.Query : ParameterPlacement.Custom);

    /// <summary>A PCM16 or μ-law WAV, 8 kHz mono.</summary>
    public string? WavPath { get; init; }

    public int? ToneMilliseconds { get; init; }

    public int? SilenceMilliseconds { get; init; }

    public int LeadSilenceMilliseconds { get; init; }

    /// <summary>Silence after the caller audio so server VAD can end the turn.</summary>
    public int TailSilenceMilliseconds { get; init; } = 2000;

    /// <summary>Writes the agent's audio here as a μ-law WAV.</summary>
    public string? RecordPath { get; init; }

    /// <summary>How long to keep listening once the caller audio has been sent.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Quiet time after the agent's reply has played that ends the wait early.</summary>
    public TimeSpan ReplyPause { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Send the caller audio without real-time pacing.</summary>
    public bool Fast { get; init; }

    public string? Origin { get; init; }

    /// <summary>Success means the call completed with no agent audio at all.</summary>
    public bool ExpectNoAudio { get; init; }

    /// <summary>
    /// The provider's Auth Token to sign the upgrade with (Twilio's <c>x-twilio-signature</c>, Plivo's
    /// <c>X-Plivo-Signature-V3</c>; Vonage's signature secret, for the HS256 JWT in <c>Authorization</c>; Telnyx signs
    /// none); never printed.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>
    /// The URL to sign, as written in the TwiML or Plivo's XML; defaults to <see cref="Url"/> without its query for
    /// Twilio. For Plivo, which signs the query too, the query sent (the parameters) is added to it; by default it is
    /// the URL connected to.
    /// </summary>
    public string? SignedUrl { get; init; }

    /// <summary>How long to wait for the server to answer our close before aborting.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The local server's media-stream URL for <paramref name="provider"/>.</summary>
    public static Uri DefaultUrlFor(TelephonyProvider provider) =>
        new($"ws://localhost:8080/api/{provider.ToString().ToLowerInvariant()}/media-stream");

    /// <summary>Null when the options make a call this provider can place; otherwise what is wrong, as a usage error.</summary>
    public string? Validate()
    {
        var name = Provider.ToString().ToLowerInvariant();
        if (Webhook is not null && Provider != TelephonyProvider.Twilio)
        {
            return $"--webhook follows a main app's TwiML, which connects Twilio calls only; it cannot be used with --provider {name}.";
        }

        if (Provider == TelephonyProvider.Telnyx && (AuthToken is not null || SignedUrl is not null))
        {
            return "Telnyx signs no upgrade: --auth-token and --signed-url are for --provider twilio, plivo or vonage.";
        }

        if (Provider == TelephonyProvider.Vonage && SignedUrl is not null)
        {
            return "Vonage's token signs no URL: --signed-url is for --provider twilio or plivo.";
        }

        if (Provider == TelephonyProvider.Plivo && ParametersIn == ParameterPlacement.Custom)
        {
            return "Plivo has no custom parameters in start: its configuration travels in the stream URL's query (--params-in query, the default for plivo).";
        }

        return null;
    }
}
