namespace VoiceServer.Calls;

/// <summary>Constant, lowercase names for <see cref="CallEndReason"/> used as log values and metric tags.</summary>
public static class CallEndReasonNames
{
    public static string ToName(this CallEndReason reason) => reason switch
    {
        CallEndReason.CallerStopped => "caller_stopped",
        CallEndReason.CallerDisconnected => "caller_disconnected",
        CallEndReason.ModelClosed => "model_closed",
        CallEndReason.ModelFailed => "model_failed",
        CallEndReason.ModelReconnectFailed => "model_reconnect_failed",
        CallEndReason.ModelConnectFailed => "model_connect_failed",
        CallEndReason.ModelSessionRejected => "model_session_rejected",
        CallEndReason.InvalidConfiguration => "invalid_configuration",
        CallEndReason.StartTimeout => "start_timeout",
        CallEndReason.ProtocolViolation => "protocol_violation",
        CallEndReason.MessageTooBig => "message_too_big",
        CallEndReason.RateLimited => "rate_limited",
        CallEndReason.SlowPeer => "slow_peer",
        CallEndReason.MaxDuration => "max_duration",
        CallEndReason.IdleTimeout => "idle_timeout",
        CallEndReason.AgentHungUp => "agent_hung_up",
        CallEndReason.Transferred => "transferred",
        CallEndReason.AdminHungUp => "admin_hung_up",
        CallEndReason.AdminTransferred => "admin_transferred",
        CallEndReason.MachineHungUp => "machine_hung_up",
        CallEndReason.VoicemailLeft => "voicemail_left",
        CallEndReason.ServerShutdown => "server_shutdown",
        CallEndReason.InternalError => "internal_error",
        _ => "unknown",
    };
}
