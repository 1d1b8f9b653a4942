namespace VoiceServer.Calls;

/// <summary>
/// Why a call ended: a closed set used identically in logs, metrics and tests. Exactly one is recorded per call.
/// </summary>
public enum CallEndReason
{
    /// <summary>Twilio sent <c>stop</c>: the caller hung up or the stream was stopped.</summary>
    CallerStopped,

    /// <summary>The Twilio socket closed (with or without a close frame) before <c>stop</c>.</summary>
    CallerDisconnected,

    /// <summary>The model side closed its socket normally.</summary>
    ModelClosed,

    /// <summary>
    /// The model socket failed mid-call in a way a new session would not fix (a policy or protocol close, a binary
    /// frame, an oversized message), or it failed before the call was ready.
    /// </summary>
    ModelFailed,

    /// <summary>The model connection was lost mid-call and no new session could be set up in time.</summary>
    ModelReconnectFailed,

    /// <summary>The model refused or could not complete the WebSocket upgrade (for example HTTP 401).</summary>
    ModelConnectFailed,

    /// <summary>The model rejected our <c>session.update</c>, confirmed the wrong audio formats, or never confirmed.</summary>
    ModelSessionRejected,

    /// <summary>The per-call configuration (or the media format in <c>start</c>) was invalid: closed with 1008.</summary>
    InvalidConfiguration,

    /// <summary>No <c>start</c> message arrived within the configured time.</summary>
    StartTimeout,

    /// <summary>The caller broke the protocol in a way that ends the call (a binary frame: 1003).</summary>
    ProtocolViolation,

    /// <summary>A message exceeded the size limit: 1009.</summary>
    MessageTooBig,

    /// <summary>The caller sent messages faster than its rate limit: closed with 1008.</summary>
    RateLimited,

    /// <summary>A peer could not keep up and its outbound queue overflowed.</summary>
    SlowPeer,

    /// <summary>The call reached MAX_CALL_DURATION and was ended after a goodbye.</summary>
    MaxDuration,

    /// <summary>The caller stayed silent through the idle re-prompt; the agent said goodbye (<c>idleTimeoutSec</c>).</summary>
    IdleTimeout,

    /// <summary>The agent hung up (<c>end_call</c>) after its goodbye played.</summary>
    AgentHungUp,

    /// <summary>The agent transferred the caller (<c>transfer_call</c>); the call left the stream.</summary>
    Transferred,

    /// <summary>An operator hung up the live call through the main app's admin API.</summary>
    AdminHungUp,

    /// <summary>An operator transferred the caller through the main app's admin API; the call left the stream.</summary>
    AdminTransferred,

    /// <summary>
    /// An outbound call reached an answering machine (or a fax) and the agent's <c>voicemailPolicy</c> is
    /// <c>hangup</c>: hung up through the telephony API once the verdict arrived.
    /// </summary>
    MachineHungUp,

    /// <summary>An outbound call reached an answering machine: the agent's voicemail message played after the beep.</summary>
    VoicemailLeft,

    /// <summary>The server is shutting down.</summary>
    ServerShutdown,

    /// <summary>An unexpected failure inside the server.</summary>
    InternalError,
}
