namespace VoiceServer.Records;

/// <summary>
/// The part of a call one agent held: from the call's start or the handoff that gave it the call, to the handoff that
/// passed it on or the call's end. A model session replaced after a drop or a recycle stays in its agent's segment:
/// the segment is the agent, not the model session.
/// </summary>
public sealed record CallRecordSegment
{
    /// <summary>The segment's <see cref="EndReason"/> when its agent handed the call over.</summary>
    public const string HandoffEndReason = "handoff";

    /// <summary>Null only for a call that ended before its configuration was known.</summary>
    public string? AgentId { get; init; }

    /// <summary>The agent's model; null means the server's default (the sink fills in which).</summary>
    public string? Model { get; set; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    /// <summary><see cref="HandoffEndReason"/>, or for the last segment the call's end reason.</summary>
    public required string EndReason { get; init; }

    /// <summary>The agent the call was handed to (null unless <see cref="EndReason"/> is <see cref="HandoffEndReason"/>).</summary>
    public string? HandedTo { get; init; }

    /// <summary>The <c>reason</c> the model gave when it handed the call over (null when it gave none, or did not hand over).</summary>
    public string? HandoffReason { get; init; }

    /// <summary>Tokens billed by this agent's model sessions, a replaced one's included.</summary>
    public required ModelUsage Usage { get; init; }

    /// <summary><see cref="Usage"/> priced with the server's table for <see cref="Model"/>; null when the model is not in it.</summary>
    public decimal? EstimatedCostUsd { get; set; }

    /// <summary>This agent's model sessions replaced mid-call (drops, the provider's cap, recycles).</summary>
    public required int ModelReconnects { get; init; }
}
