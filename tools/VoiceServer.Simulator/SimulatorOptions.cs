namespace VoiceServer.Simulator;

public sealed record SimulatorOptions
{
    public const string DefaultUrl = "ws://localhost:8080/api/twilio/media-stream";

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

    public ParameterPlacement ParametersIn { get; init; } = ParameterPlacement.Custom;

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

    /// <summary>Twilio Auth Token to sign the upgrade with (<c>x-twilio-signature</c>); never printed.</summary>
    public string? AuthToken { get; init; }

    /// <summary>The URL to sign, as written in the TwiML; defaults to <see cref="Url"/> without its query.</summary>
    public string? SignedUrl { get; init; }

    /// <summary>How long to wait for the server to answer our close before aborting.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
