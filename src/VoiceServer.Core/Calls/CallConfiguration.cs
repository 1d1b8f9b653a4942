using System.Diagnostics;
using System.Globalization;
using VoiceServer.Handoffs;

namespace VoiceServer.Calls;

/// <summary>
/// The validated configuration of one call, merged from the upgrade's query string and Twilio's
/// <c>start.customParameters</c> (the custom parameters win).
/// </summary>
public sealed class CallConfiguration
{
    public required string AgentId { get; init; }

    /// <summary>The key used for the model connection. Never logged: <see cref="ToString"/> redacts it.</summary>
    public required string ApiKey { get; init; }

    /// <summary>True when the key came from the call rather than the server's own setting.</summary>
    public required bool ApiKeyFromCall { get; init; }

    public string? Prompt { get; init; }

    public required string Voice { get; init; }

    /// <summary>Accepted and recorded for compatibility with beta-era main apps; never sent to the model.</summary>
    public double? Temperature { get; init; }

    /// <summary>Per-call model override; null means the server default.</summary>
    public string? Model { get; init; }

    public string? Greeting { get; init; }

    /// <summary>Where this call's record is POSTed; null for the server's <c>CALL_EVENTS_URL</c>.</summary>
    public Uri? CallbackUrl { get; init; }

    /// <summary>The language of the caller's speech for input transcription (ISO 639-1, e.g. <c>en</c>).</summary>
    public string? Language { get; init; }

    public TurnDetectionSettings TurnDetection { get; init; } = TurnDetectionSettings.Default;

    /// <summary><c>near_field</c>, <c>far_field</c>, or null for none.</summary>
    public string? NoiseReduction { get; init; }

    /// <summary>This call's limit (the server's <c>MAX_CALL_DURATION</c> still applies when shorter).</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Caller silence after which the agent re-prompts, and after a second one says goodbye.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>Webhook tools and the enabled built-ins, as the model sees them.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>E.164 numbers <c>transfer_call</c> may dial; empty when transfers are off.</summary>
    public IReadOnlyList<string> TransferNumbers { get; init; } = [];

    /// <summary>The agents the call may be handed to; empty when handoffs are off (they need a configuration bound to the call).</summary>
    public IReadOnlyList<HandoffDestination> Handoffs { get; init; } = [];

    /// <summary>Where a handoff destination's configuration is fetched from (the main app's <c>/api/handoffs</c>); set with <see cref="Handoffs"/>.</summary>
    public Uri? HandoffUrl { get; init; }

    public DtmfMode Dtmf { get; init; } = DtmfMode.Each;

    /// <summary>
    /// True when the configuration was signed for this very call (its CallSid): only then may hang-up and transfer act
    /// on a call through the telephony API. Otherwise <c>end_call</c> closes this call's own media socket.
    /// </summary>
    public bool CallControlAllowed { get; init; }

    /// <summary>
    /// An outbound call placed with answering-machine detection, whose agent stays silent until the verdict arrives
    /// (an <c>answered_by</c> command); null for every other call. Only a configuration bound to the call sets it.
    /// </summary>
    public VoicemailSettings? Voicemail { get; init; }

    /// <summary>The span that sent the call here (the main app's webhook), from a well-formed <c>traceparent</c>; null without one.</summary>
    public ActivityContext? TraceParent { get; init; }

    /// <summary>
    /// True when <see cref="TraceParent"/> came in a signed configuration, so the call span may be its child; from plain
    /// parameters it is only a link, since whoever reaches the media socket could have written it.
    /// </summary>
    public bool TraceParentSigned { get; init; }

    /// <summary>Parameters the call gave that its configuration's source may not set (see <see cref="CallTrust"/>).</summary>
    public IReadOnlyList<string> IgnoredParameters { get; init; } = [];

    public override string ToString() =>
        $"CallConfiguration {{ AgentId = {AgentId}, ApiKey = ***, Voice = {Voice}, Model = {Model ?? "(default)"}, " +
        $"Temperature = {Temperature?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, Greeting = {(Greeting is null ? "no" : "yes")} }}";
}
