namespace VoiceServer.Fakes;

public sealed class FakeRealtimeServerOptions
{
    /// <summary>Answer every upgrade with this HTTP status and an OpenAI-style JSON error body; never accept.</summary>
    public int? RejectUpgradeStatus { get; init; }

    /// <summary>With <see cref="RejectUpgradeStatus"/>: refuse only this many upgrade attempts, then accept (a transient outage).</summary>
    public int RejectFirstUpgrades { get; init; } = int.MaxValue;

    /// <summary>When set, an upgrade without <c>Authorization: Bearer &lt;key&gt;</c> or <c>api-key: &lt;key&gt;</c> gets 401.</summary>
    public string? ExpectedApiKey { get; init; }

    /// <summary>
    /// Emulates <c>interrupt_response: true</c>: <c>speech_started</c> cancels the active response with
    /// <c>response.done</c> (cancelled, turn_detected). Applies only while the effective session's turn detection
    /// has <c>interrupt_response</c> true, as on the real server.
    /// </summary>
    public bool AutoCancelOnSpeechStarted { get; init; } = true;

    /// <summary>Reports this format type (e.g. "audio/pcm") in session.updated for both directions, whatever was asked.</summary>
    public string? SessionUpdatedFormatOverride { get; init; }

    public bool SendSessionCreated { get; init; } = true;

    /// <summary>
    /// Session keys this server treats as unknown, like a provider or deployment whose schema is narrower: an update
    /// carrying one is rejected whole with <c>unknown_parameter</c>, as the real API does for any unknown key.
    /// </summary>
    public IReadOnlyCollection<string> UnsupportedSessionKeys { get; init; } = [];

    /// <summary>A stalled server: every <c>session.update</c> is recorded and never answered.</summary>
    public bool IgnoreSessionUpdates { get; init; }

    /// <summary>Like the real API since the beta shut-down: an <c>OpenAI-Beta</c> header earns an error and close 4000.</summary>
    public bool RejectBetaHeader { get; init; } = true;

    /// <summary>When set, every accepted <c>response.create</c> is answered with a full audio response of these μ-law bytes.</summary>
    public byte[]? AutoRespondAudio { get; init; }

    /// <summary>
    /// When set, every accepted out-of-band <c>response.create</c> (<c>conversation: "none"</c>) is answered with a text
    /// response of this text; otherwise the test plays it (<c>SendOutOfBandTextResponseAsync</c>). Never answered with
    /// <see cref="AutoRespondAudio"/>.
    /// </summary>
    public string? AutoRespondOutOfBandText { get; init; }

    /// <summary>Delta size for automatic and convenience responses (800 bytes = 100 ms of μ-law).</summary>
    public int AutoRespondChunkBytes { get; init; } = 800;

    /// <summary>Model reported when the URL carries no <c>model</c>.</summary>
    public string DefaultModel { get; init; } = "gpt-realtime";

    /// <summary>Largest client message accepted (the API allows 15 MiB of audio per append, base64 adds a third).</summary>
    public int MaxMessageBytes { get; init; } = 21 * 1024 * 1024;

    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>Clock for <c>expires_at</c>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
