using System.Text.Json;
using VoiceServer.MainApp.Recordings;

namespace VoiceServer.MainApp.Calls;

/// <summary>
/// A stored call record as <c>GET /api/calls</c> lists it: the voice server's record, whole, when it arrived, and
/// <paramref name="Direction"/>: <c>outbound</c> for a call the app placed (<c>POST /api/calls</c>), else <c>inbound</c>;
/// for an outbound call, <paramref name="AnsweredBy"/>: Twilio's answering-machine detection (<c>human</c>, <c>machine_end_beep</c>, …);
/// <paramref name="Segments"/>: the agents that held the call, in order (one for a call without handoffs, and for a
/// record from before segments);
/// for a recorded call, its <paramref name="Recording"/>; <paramref name="Analysis"/>: the post-call analysis, for a
/// call whose agent had a plan.
/// </summary>
internal sealed record CallRecordView(
    string CallId, string? AgentId, string? CallSid, DateTimeOffset StartedAt, long DurationMs, string EndReason, JsonElement Record, DateTimeOffset ReceivedAt, string Direction, string? AnsweredBy,
    IReadOnlyList<CallSegmentView> Segments, CallRecordingView? Recording = null, Analysis.AnalysisView? Analysis = null);
