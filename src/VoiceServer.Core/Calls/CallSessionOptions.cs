namespace VoiceServer.Calls;

/// <summary>Per-call limits and timers. All timers run on the injected <see cref="TimeProvider"/>.</summary>
public sealed class CallSessionOptions
{
    /// <summary>How long the caller has to send <c>start</c> after the upgrade.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the model has to confirm the session (connect, <c>session.update</c>, <c>session.updated</c>).</summary>
    public TimeSpan SessionSetupTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long a close handshake may take before the socket is aborted.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Caller audio held while the model session is being confirmed, in base64 bytes:
    /// 160,000 ≈ 15 s of 8 kHz μ-law (8,000 bytes a second, 4/3 larger as base64).
    /// </summary>
    public int MaxPendingAudioBytes { get; set; } = 160_000;

    /// <summary>
    /// When set, a call that lasts this long is ended politely: the agent says goodbye, then the call ends
    /// (<see cref="CallEndReason.MaxDuration"/>). Keep it below the provider's session cap (OpenAI 60, Azure 30 min).
    /// </summary>
    public TimeSpan? MaxCallDuration { get; set; }

    /// <summary>How long the goodbye may take (requested, spoken and played) before the call ends anyway.</summary>
    public TimeSpan GoodbyeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The model's server VAD cancels a response on speech (GA <c>interrupt_response</c>, default on).</summary>
    public bool InterruptResponse { get; set; } = true;
}
