using System.Diagnostics;
using VoiceServer.Calls;

namespace VoiceServer.Diagnostics;

/// <summary>
/// The calls' spans: one <c>call</c> span per call and children at call, turn and tool granularity, never per audio
/// frame (docs/operations.md#traces). <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null
/// when no tracer listens, so a server without tracing pays a null check per turn. Attribute values come from closed
/// sets, ids and counts: never a key, a prompt, a tool's arguments or what the caller said.
/// </summary>
public static class CallTracing
{
    /// <summary>The <see cref="ActivitySource"/> name a tracer adds to see calls.</summary>
    public const string SourceName = "VoiceServer.Calls";

    public const string CallSpan = "call";
    public const string ModelConnectSpan = "model.connect";
    public const string ModelSessionSpan = "model.session";
    public const string ResponseSpan = "response";
    public const string BargeInSpan = "barge_in";
    public const string ToolSpanPrefix = "execute_tool ";
    public const string HangUpSpan = "hang_up";
    public const string TransferSpan = "transfer";
    public const string RecordDeliverySpan = "record.delivery";

    public const string CallIdAttribute = "voice_server.call.id";
    public const string AgentIdAttribute = "voice_server.agent.id";
    public const string ProviderAttribute = "voice_server.provider";
    public const string CallSidAttribute = "voice_server.call_sid";
    public const string StreamSidAttribute = "voice_server.stream_sid";
    public const string ModelAttribute = "voice_server.model";
    public const string EndReasonAttribute = "voice_server.end_reason";
    public const string AnsweredByAttribute = "voice_server.answered_by";
    public const string TraceParentAttribute = "voice_server.traceparent";
    public const string ReplacementAttribute = "voice_server.model.replacement";
    public const string ResponseIdAttribute = "voice_server.response.id";
    public const string ResponseStatusAttribute = "voice_server.response.status";
    public const string ResponseOutcomeAttribute = "voice_server.response.outcome";
    public const string FirstAudioAttribute = "voice_server.response.first_audio_ms";
    public const string ResponseLatencyAttribute = "voice_server.response.latency_ms";
    public const string TruncationsAttribute = "voice_server.barge_in.truncations";
    public const string AudioEndAttribute = "voice_server.barge_in.audio_end_ms";
    public const string CancelledResponseAttribute = "voice_server.barge_in.response_cancelled";
    public const string ToolNameAttribute = "gen_ai.tool.name";
    public const string ToolCallIdAttribute = "gen_ai.tool.call.id";
    public const string OperationNameAttribute = "gen_ai.operation.name";
    public const string ToolKindAttribute = "voice_server.tool.kind";
    public const string ToolOutcomeAttribute = "voice_server.tool.outcome";
    public const string CallControlInitiatorAttribute = "voice_server.call_control.initiator";
    public const string CallControlOutcomeAttribute = "voice_server.call_control.outcome";
    public const string RecordOutcomeAttribute = "voice_server.record.outcome";
    public const string ErrorTypeAttribute = "error.type";

    /// <summary>Where the calls' spans start. Static, as .NET's own sources are: a tracer finds it by name.</summary>
    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>The endings that mark a call span as an error: the call failed, not the caller's choice or the server's plan.</summary>
    public static bool IsFailure(CallEndReason reason) => reason is
        CallEndReason.ModelFailed or CallEndReason.ModelReconnectFailed or CallEndReason.ModelConnectFailed or
        CallEndReason.ModelSessionRejected or CallEndReason.InvalidConfiguration or CallEndReason.StartTimeout or
        CallEndReason.ProtocolViolation or CallEndReason.MessageTooBig or CallEndReason.RateLimited or
        CallEndReason.SlowPeer or CallEndReason.InternalError;

    /// <summary>
    /// A child of <paramref name="parent"/>; null when the parent was not recorded or nobody listens. It does not become
    /// <see cref="Activity.Current"/>: these spans start and end on whichever loop saw the event, and that loop's
    /// ambient span must not change with them. Work done inside one makes it current itself.
    /// </summary>
    internal static Activity? StartChild(Activity? parent, string name, ActivityKind kind = ActivityKind.Internal)
    {
        if (parent is null)
        {
            return null;
        }

        var ambient = Activity.Current;
        var span = Source.StartActivity(name, kind, parent.Context);
        Activity.Current = ambient;
        return span;
    }
}
