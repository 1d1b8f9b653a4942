using System.Text.Json.Serialization;

namespace VoiceServer.Records;

/// <summary>
/// What a call leaves behind once it has ended: who, when, why it ended, what was said and what it cost. Built by the
/// call session; delivered by an <see cref="ICallRecordSink"/> off the audio path. Holds no secret.
/// </summary>
public sealed record CallRecord
{
    /// <summary>Bumped when a field changes meaning or goes away; new fields may appear without it.</summary>
    public int SchemaVersion { get; } = 1;

    public required string CallId { get; init; }

    public string? CallSid { get; init; }

    public string? StreamSid { get; init; }

    /// <summary>The agent the call was placed for: the first segment's, whoever held the call after it.</summary>
    public string? AgentId { get; init; }

    /// <summary>The first agent's model; null means the server's default (the sink fills in which).</summary>
    public string? Model { get; set; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    public required long DurationMs { get; init; }

    public required string EndReason { get; init; }

    public required string EndDetail { get; init; }

    /// <summary>
    /// One per agent that held the call, in order: exactly one for a call without handoffs. Their usage adds up to
    /// <see cref="Usage"/>, their costs to <see cref="EstimatedCostUsd"/>.
    /// </summary>
    public required IReadOnlyList<CallRecordSegment> Segments { get; init; }

    public required IReadOnlyList<CallRecordTurn> Turns { get; init; }

    public required ModelUsage Usage { get; init; }

    /// <summary>The sum of the segments' costs; null when a segment's model is not in the server's table.</summary>
    public decimal? EstimatedCostUsd { get; set; }

    public required int BargeIns { get; init; }

    /// <summary>Model sessions replaced mid-call (drops, the provider's cap, recycles).</summary>
    public required int ModelReconnects { get; init; }

    /// <summary>Caller speech stopped → first agent audio relayed, one entry per answered turn, in milliseconds.</summary>
    public required IReadOnlyList<long> ResponseLatenciesMs { get; init; }

    /// <summary>
    /// Twilio's answering-machine verdict for an outbound call that awaited one (<c>human</c>, <c>machine_end_beep</c>,
    /// …); left out of the JSON for every other call, and for one whose verdict never arrived.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? AnsweredBy { get; init; }

    /// <summary>Where the call asked for its record to go (<c>callbackUrl</c>); null for the server's default.</summary>
    [JsonIgnore]
    public Uri? CallbackUrl { get; init; }
}
