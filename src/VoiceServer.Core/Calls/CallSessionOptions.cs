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
    /// (<see cref="CallEndReason.MaxDuration"/>). Model sessions are recycled before the provider's cap, so it may exceed it.
    /// </summary>
    public TimeSpan? MaxCallDuration { get; set; }

    /// <summary>How long the goodbye may take (requested, spoken and played) before the call ends anyway.</summary>
    public TimeSpan GoodbyeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long an outbound call waits for its answering-machine verdict before the agent starts the conversation as
    /// for <c>unknown</c>: Twilio's own detection gives up after 30 s (its MachineDetectionTimeout default) and says
    /// <c>unknown</c>; the rest covers the callback's way through the main app, retries included.
    /// </summary>
    public TimeSpan AnsweringMachineVerdictTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long a call may spend replacing a lost model session (connect, confirm, replay) before it ends with
    /// <see cref="CallEndReason.ModelReconnectFailed"/>. Caller audio meanwhile waits in the pending buffer.
    /// </summary>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The wait after a failed attempt to replace a lost model session, around which Polly's exponential backoff
    /// with jitter draws the first retry's delay; later ones grow, up to <see cref="ReconnectMaxRetryDelay"/>.
    /// Jitter keeps the calls that one provider outage broke from reconnecting in lockstep.
    /// </summary>
    public TimeSpan ReconnectRetryDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest wait between attempts to replace a lost model session.</summary>
    public TimeSpan ReconnectMaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The random source of the reconnect backoff's jitter, uniform in [0, 1); null for Polly's own. Tests fix it.</summary>
    public Func<double>? ReconnectJitter { get; set; }

    /// <summary>A replacement that took longer than this is followed by a brief apology from the agent.</summary>
    public TimeSpan ReconnectNoticeAfter { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Unplanned reconnects allowed per call; a session that keeps failing ends the call instead of looping.</summary>
    public int MaxReconnects { get; set; } = 5;

    /// <summary>Handoffs between agents in one call (<c>MAX_HANDOFFS_PER_CALL</c>): a loop A → B → A … stops here.</summary>
    public int MaxHandoffs { get; set; } = 5;

    /// <summary>
    /// How long a handoff with the <c>summary</c> context waits for the origin model's summary (from the switch, a
    /// wait for the origin's active response included) before the last turns are replayed instead.
    /// </summary>
    public TimeSpan HandoffSummaryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Conversation items whose ids one model session keeps track of (<c>MODEL_MAX_TRACKED_ITEMS</c>), so a handoff in
    /// place can trim the conversation; past it, such a handoff replaces the session instead.
    /// </summary>
    public int MaxTrackedItems { get; set; } = ConversationItems.DefaultCapacity;

    /// <summary>
    /// The provider's session cap (OpenAI 60 min, Azure 30 min). A session is recycled from
    /// <see cref="RecycleLead"/> before it at a quiet moment, and no later than <see cref="RecycleDeadlineLead"/>
    /// before it. Null turns proactive recycling off.
    /// </summary>
    public TimeSpan? ModelSessionCap { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How long before the cap a recycle may start (at a quiet moment).</summary>
    public TimeSpan RecycleLead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long before the cap a recycle starts even without a quiet moment (once no response is active).</summary>
    public TimeSpan RecycleDeadlineLead { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How much of the conversation, in characters of transcript, a new session is given (the latest turns).</summary>
    public int MaxReplayCharacters { get; set; } = 16_000;

    /// <summary>The model that transcribes the caller (for the transcript and replays); null for none.</summary>
    public string? InputTranscriptionModel { get; set; } = "gpt-4o-mini-transcribe";

    /// <summary>The most silence one gap in the caller's media timestamps is padded with.</summary>
    public TimeSpan MaxSilencePadding { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>With <c>dtmf=collect</c>: a pause this long after the last key sends the keys gathered so far.</summary>
    public TimeSpan DtmfCollectPause { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a webhook tool may take before the model is told it did not answer.</summary>
    public TimeSpan ToolTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a hang-up or transfer through the telephony API may take.</summary>
    public TimeSpan CallControlTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The model's server VAD cancels a response on speech (GA <c>interrupt_response</c>, default on).</summary>
    public bool InterruptResponse { get; set; } = true;
}
