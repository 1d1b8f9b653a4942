using System.Diagnostics;
using VoiceServer.Calls;
using VoiceServer.Playback;
using VoiceServer.Tools;

namespace VoiceServer.Diagnostics;

/// <summary>
/// One call's spans (<see cref="CallTracing"/>): the <c>call</c> span, begun once the configuration says who its parent
/// is, and its responses, barge-ins, tools and call control. Called by the session under its lock, at turn granularity;
/// the audio frames never reach it. Every method is a no-op when the call span was not recorded.
/// </summary>
/// <remarks>
/// Span times are the wall clock's, as every tracer's are; the call's timers run on its <see cref="TimeProvider"/>,
/// which also measures the durations recorded as attributes, so tests on virtual time read them exactly.
/// </remarks>
internal sealed class CallTrace(string callId, ActivityContext upgrade, TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private Activity? _call;
    private bool _begun;
    private Dictionary<string, ResponseSpan>? _responses;

    /// <summary>The telephony provider's name (<c>twilio</c>, …), set by the host before the call runs.</summary>
    public string? Provider { get; set; }

    /// <summary>The call span, for children and for work done on the call's behalf (its record's delivery); null when not recorded.</summary>
    public Activity? Call => _call;

    /// <summary>
    /// Starts the call span, backdated to the upgrade. A <c>traceparent</c> from a signed configuration is its parent
    /// (the main app's webhook span) and the upgrade's request span a link; one from plain parameters, which anyone
    /// could have written, is only a link; without one the upgrade's request span is the parent.
    /// </summary>
    public void Begin(CallConfiguration? configuration, CallLogScope scope)
    {
        if (_begun)
        {
            return;
        }

        _begun = true;
        if (!CallTracing.Source.HasListeners())
        {
            return;
        }

        var parent = upgrade;
        List<ActivityLink>? links = null;
        if (configuration?.TraceParent is { } remote)
        {
            links = [];
            if (configuration.TraceParentSigned)
            {
                parent = remote;
                if (upgrade != default)
                {
                    links.Add(new ActivityLink(upgrade));
                }
            }
            else
            {
                links.Add(new ActivityLink(remote));
            }
        }

        // Current from here on in the set-up's flow: the model's loops started from it, and what they start (a handoff's
        // fetch), run under the call span.
        _call = CallTracing.Source.StartActivity(CallTracing.CallSpan, ActivityKind.Internal, parent, tags: null, links, _startedAt);
        if (_call is null)
        {
            return;
        }

        _call.SetTag(CallTracing.CallIdAttribute, callId);
        _call.SetTag(CallTracing.ProviderAttribute, Provider);
        _call.SetTag(CallTracing.CallSidAttribute, scope.CallSid);
        _call.SetTag(CallTracing.StreamSidAttribute, scope.StreamSid);
        _call.SetTag(CallTracing.AgentIdAttribute, configuration?.AgentId);
        _call.SetTag(CallTracing.ModelAttribute, configuration?.Model);
        if (configuration?.TraceParent is not null)
        {
            _call.SetTag(CallTracing.TraceParentAttribute, configuration.TraceParentSigned ? "signed" : "unsigned");
        }
    }

    /// <summary>Ends the call span (begun here if the call ended before its configuration was known) and what it left open.</summary>
    public void End(CallEndReason reason, string detail, string? answeredBy, CallLogScope scope)
    {
        Begin(configuration: null, scope);
        if (_call is null)
        {
            return;
        }

        if (_responses is not null)
        {
            foreach (var response in _responses.Values)
            {
                response.Span.SetTag(CallTracing.ResponseOutcomeAttribute, "call_ended");
                response.Span.Stop();
            }

            _responses.Clear();
        }

        _call.SetTag(CallTracing.EndReasonAttribute, reason.ToName());
        _call.SetTag(CallTracing.AnsweredByAttribute, answeredBy);
        // Ids Twilio's start brought after the span began (a call that ended before its configuration).
        _call.SetTag(CallTracing.CallSidAttribute, scope.CallSid);
        _call.SetTag(CallTracing.StreamSidAttribute, scope.StreamSid);
        if (CallTracing.IsFailure(reason))
        {
            _call.SetStatus(ActivityStatusCode.Error, $"{reason.ToName()}: {detail}");
        }

        _call.Stop();
    }

    /// <summary>Opening a model session's WebSocket: the first, or a replacement.</summary>
    public Activity? StartModelConnect(string? model, bool replacement)
    {
        var span = CallTracing.StartChild(_call, CallTracing.ModelConnectSpan, ActivityKind.Client);
        span?.SetTag(CallTracing.ModelAttribute, model);
        span?.SetTag(CallTracing.ReplacementAttribute, replacement);
        return span;
    }

    /// <summary>From the open socket to the confirmed session (<c>session.created</c>, <c>session.update</c>, <c>session.updated</c>).</summary>
    public Activity? StartModelSession(bool replacement)
    {
        var span = CallTracing.StartChild(_call, CallTracing.ModelSessionSpan);
        span?.SetTag(CallTracing.ReplacementAttribute, replacement);
        return span;
    }

    public void OnResponseCreated(string responseId)
    {
        if (CallTracing.StartChild(_call, CallTracing.ResponseSpan) is not { } span)
        {
            return;
        }

        span.SetTag(CallTracing.ResponseIdAttribute, responseId);
        _responses ??= new Dictionary<string, ResponseSpan>(StringComparer.Ordinal);
        _responses[responseId] = new ResponseSpan(span, time.GetTimestamp());
    }

    /// <summary>The first audio of a response reached the caller; <paramref name="latency"/> is from the caller's speech stopping, when measured.</summary>
    public void OnFirstAudio(string responseId, TimeSpan? latency)
    {
        if (_responses is null || !_responses.TryGetValue(responseId, out var response))
        {
            return;
        }

        response.Span.AddEvent(new ActivityEvent("first_audio"));
        response.Span.SetTag(CallTracing.FirstAudioAttribute, (long)time.GetElapsedTime(response.CreatedAt).TotalMilliseconds);
        if (latency is { } sinceSpeech)
        {
            response.Span.SetTag(CallTracing.ResponseLatencyAttribute, (long)sinceSpeech.TotalMilliseconds);
        }
    }

    public void OnResponseDone(string responseId, string status, string? errorType)
    {
        if (_responses is null || !_responses.Remove(responseId, out var response))
        {
            return;
        }

        response.Span.SetTag(CallTracing.ResponseStatusAttribute, status);
        response.Span.SetTag(CallTracing.ResponseOutcomeAttribute, response.Interrupted ? "interrupted" : status);
        if (status == "failed")
        {
            response.Span.SetTag(CallTracing.ErrorTypeAttribute, errorType ?? "unknown");
            response.Span.SetStatus(ActivityStatusCode.Error, errorType);
        }

        response.Span.Stop();
    }

    /// <summary>The caller cut the agent off: a span of its own, and the interrupted response says so.</summary>
    public void OnBargeIn(string? interruptedResponseId, BargeInPlan plan)
    {
        if (CallTracing.StartChild(_call, CallTracing.BargeInSpan) is not { } span)
        {
            return;
        }

        span.SetTag(CallTracing.ResponseIdAttribute, interruptedResponseId);
        span.SetTag(CallTracing.TruncationsAttribute, plan.Truncations.Count);
        if (plan.Truncations.Count > 0)
        {
            span.SetTag(CallTracing.AudioEndAttribute, plan.Truncations[0].AudioEndMs);
        }

        span.SetTag(CallTracing.CancelledResponseAttribute, plan.CancelResponse);
        span.Stop();
        if (interruptedResponseId is not null && _responses is not null && _responses.TryGetValue(interruptedResponseId, out var response))
        {
            response.Interrupted = true;
            response.Span.AddEvent(new ActivityEvent("barge_in"));
        }
    }

    /// <summary>A function call the model made: its name and id, never its arguments (they may hold what the caller said, or secrets).</summary>
    public Activity? StartTool(string name, string toolCallId, string responseId, string kind)
    {
        var span = CallTracing.StartChild(_call, CallTracing.ToolSpanPrefix + name);
        span?.SetTag(CallTracing.OperationNameAttribute, "execute_tool");
        span?.SetTag(CallTracing.ToolNameAttribute, name);
        span?.SetTag(CallTracing.ToolCallIdAttribute, toolCallId);
        span?.SetTag(CallTracing.ResponseIdAttribute, responseId);
        span?.SetTag(CallTracing.ToolKindAttribute, kind);
        return span;
    }

    /// <summary>Hanging up or transferring through the telephony API; <paramref name="initiator"/> is agent, operator or answering_machine.</summary>
    public Activity? StartCallControl(bool transfer, string initiator)
    {
        var span = CallTracing.StartChild(_call, transfer ? CallTracing.TransferSpan : CallTracing.HangUpSpan);
        span?.SetTag(CallTracing.CallControlInitiatorAttribute, initiator);
        return span;
    }

    /// <summary>Ends a call-control span with the API's outcome.</summary>
    public static void EndCallControl(Activity? span, CallControlOutcome? outcome)
    {
        if (span is null)
        {
            return;
        }

        var name = outcome switch
        {
            CallControlOutcome.Done => "done",
            CallControlOutcome.NotConfigured => "not_configured",
            CallControlOutcome.Failed => "failed",
            null => "call_ended",
            _ => "unknown",
        };
        span.SetTag(CallTracing.CallControlOutcomeAttribute, name);
        if (outcome == CallControlOutcome.Failed)
        {
            span.SetStatus(ActivityStatusCode.Error, name);
        }

        span.Stop();
    }

    /// <summary>Ends a model set-up span; <paramref name="failure"/> is why it failed, null when it succeeded.</summary>
    public static void EndSetUp(Activity? span, string? failure, int? statusCode = null)
    {
        if (span is null)
        {
            return;
        }

        if (failure is not null)
        {
            span.SetTag(CallTracing.ErrorTypeAttribute, statusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "setup_failed");
            span.SetStatus(ActivityStatusCode.Error, failure);
        }

        span.Stop();
    }

    private sealed class ResponseSpan(Activity span, long createdAt)
    {
        public Activity Span { get; } = span;

        public long CreatedAt { get; } = createdAt;

        public bool Interrupted { get; set; }
    }
}
