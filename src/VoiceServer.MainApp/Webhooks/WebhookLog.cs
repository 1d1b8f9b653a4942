namespace VoiceServer.MainApp.Webhooks;

/// <summary>The log lines every provider's voice webhook shares (Telnyx, Plivo, Vonage), named by provider.</summary>
internal static partial class WebhookLog
{
    [LoggerMessage(50, LogLevel.Warning, "{Provider} webhook refused: this deployment does not serve {Provider} calls (CALLER_PROVIDERS, or {Secret} when that is unset).")]
    public static partial void ProviderNotServed(ILogger logger, string provider, string secret);

    [LoggerMessage(51, LogLevel.Warning, "{Provider} webhook refused: invalid signature ({Reason}).")]
    public static partial void SignatureRefused(ILogger logger, string provider, string reason);

    [LoggerMessage(52, LogLevel.Warning, "{Provider} webhook refused: its signature was already used (a replay).")]
    public static partial void Replayed(ILogger logger, string provider);

    [LoggerMessage(58, LogLevel.Warning, "{Provider} webhook refused: the replay check is unavailable.")]
    public static partial void ReplayCheckUnavailable(ILogger logger, string provider);

    /// <summary>Logs why a replay check refused a request (<see cref="Replayed"/> or <see cref="ReplayCheckUnavailable"/>).</summary>
    public static void ReplayRefused(ILogger logger, string provider, ReplayCheck check)
    {
        if (check == ReplayCheck.Replayed)
        {
            Replayed(logger, provider);
        }
        else
        {
            ReplayCheckUnavailable(logger, provider);
        }
    }

    [LoggerMessage(53, LogLevel.Warning, "{Provider} call {CallSid} to {To}: no agent: {Reason}; the caller hears an apology.")]
    public static partial void AgentNotFound(ILogger logger, string provider, string? to, string? callSid, string reason);

    [LoggerMessage(54, LogLevel.Information, "{Provider} call {CallSid} to {To} goes to agent {AgentId}.")]
    public static partial void CallRouted(ILogger logger, string provider, string? callSid, string? to, string agentId);

    [LoggerMessage(55, LogLevel.Warning, "{Provider} webhook refused: {Field} is malformed.")]
    public static partial void FieldRefused(ILogger logger, string provider, string field);

    [LoggerMessage(56, LogLevel.Information, "{Provider} transfer answered: the call is dialled to {To}.")]
    public static partial void TransferAnswered(ILogger logger, string provider, string to);

    [LoggerMessage(57, LogLevel.Warning, "{Provider} answer for agent {AgentId} is {Length} characters: its stream URL may not fit the voice server's request line ({Limit} bytes by default); shorten the agent's prompt, tools or greeting.")]
    public static partial void StreamUrlTooLong(ILogger logger, string provider, string agentId, int length, int limit);
}
