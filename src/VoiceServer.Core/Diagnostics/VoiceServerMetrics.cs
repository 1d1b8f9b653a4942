using System.Diagnostics.Metrics;
using VoiceServer.Calls;
using VoiceServer.Records;

namespace VoiceServer.Diagnostics;

/// <summary>
/// All of the server's metrics, built on <see cref="IMeterFactory"/>. Names are dotted lowercase with explicit units;
/// tag values come from closed sets (or the provider's error codes) and never carry a secret.
/// </summary>
public sealed class VoiceServerMetrics
{
    public const string MeterName = "VoiceServer";

    private const string EndReasonTag = "voice_server.end_reason";
    private const string RejectionTag = "voice_server.rejection";
    private const string DirectionTag = "voice_server.direction";
    private const string ErrorTypeTag = "error.type";
    private const string CauseTag = "voice_server.reconnect.cause";
    private const string OutcomeTag = "voice_server.reconnect.outcome";
    private const string CommandActionTag = "voice_server.command.action";
    private const string CommandOutcomeTag = "voice_server.command.outcome";

    // Seconds-scale histograms: set-up and response latencies live between tens of milliseconds and a few seconds.
    private static readonly InstrumentAdvice<double> s_latencyAdvice = new()
    {
        HistogramBucketBoundaries = [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    };

    private static readonly KeyValuePair<string, object?>[] s_inputText = TokenTags("input", "text");
    private static readonly KeyValuePair<string, object?>[] s_inputAudio = TokenTags("input", "audio");
    private static readonly KeyValuePair<string, object?>[] s_inputCachedText = TokenTags("input", "cached_text");
    private static readonly KeyValuePair<string, object?>[] s_inputCachedAudio = TokenTags("input", "cached_audio");
    private static readonly KeyValuePair<string, object?>[] s_outputText = TokenTags("output", "text");
    private static readonly KeyValuePair<string, object?>[] s_outputAudio = TokenTags("output", "audio");

    private static readonly KeyValuePair<string, object?> s_callerToModel = new(DirectionTag, "caller_to_model");
    private static readonly KeyValuePair<string, object?> s_modelToCaller = new(DirectionTag, "model_to_caller");

    private readonly UpDownCounter<long> _activeCalls;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _rejectedUpgrades;
    private readonly Counter<long> _malformedMessages;
    private readonly Histogram<double> _modelConnectDuration;
    private readonly Histogram<double> _callSetupDuration;
    private readonly Histogram<double> _responseLatency;
    private readonly Counter<long> _framesRelayed;
    private readonly Counter<long> _bargeIns;
    private readonly Counter<long> _truncations;
    private readonly Counter<long> _modelErrors;
    private readonly Counter<long> _modelReconnects;
    private readonly Counter<long> _modelTokens;
    private readonly Counter<long> _callCommands;
    private readonly Histogram<double> _modelReconnectDuration;

    public VoiceServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _activeCalls = meter.CreateUpDownCounter<long>("voice_server.calls.active", unit: "{call}", description: "Calls in progress.");
        _callDuration = meter.CreateHistogram<double>("voice_server.call.duration", unit: "s", description: "Duration of ended calls, by end reason.");
        _rejectedUpgrades = meter.CreateCounter<long>("voice_server.upgrades.rejected", unit: "{request}", description: "Media-stream requests refused before the upgrade.");
        _malformedMessages = meter.CreateCounter<long>("voice_server.messages.malformed", unit: "{message}", description: "Messages ignored because they could not be understood.");
        _modelConnectDuration = meter.CreateHistogram("voice_server.model.connect.duration", unit: "s", description: "Time to open the model's WebSocket.", advice: s_latencyAdvice);
        _callSetupDuration = meter.CreateHistogram("voice_server.call.setup.duration", unit: "s", description: "From the upgrade to the model's confirmed session (audio flows).", advice: s_latencyAdvice);
        _responseLatency = meter.CreateHistogram("voice_server.response.latency", unit: "s", description: "From the caller's speech stopping to the first agent audio relayed.", advice: s_latencyAdvice);
        _framesRelayed = meter.CreateCounter<long>("voice_server.frames.relayed", unit: "{frame}", description: "Audio frames relayed, by direction.");
        _bargeIns = meter.CreateCounter<long>("voice_server.barge_ins", unit: "{barge_in}", description: "Times the caller cut the agent off.");
        _truncations = meter.CreateCounter<long>("voice_server.truncations", unit: "{item}", description: "Agent items truncated at what the caller heard.");
        _modelErrors = meter.CreateCounter<long>("voice_server.model.errors", unit: "{error}", description: "Error events from the model, by code.");
        _modelReconnects = meter.CreateCounter<long>("voice_server.model.reconnects", unit: "{reconnect}", description: "Model sessions replaced mid-call, by cause and outcome.");
        _modelReconnectDuration = meter.CreateHistogram("voice_server.model.reconnect.duration", unit: "s", description: "From losing (or starting to recycle) a model session to audio flowing on its replacement.", advice: s_latencyAdvice);
        _modelTokens = meter.CreateCounter<long>("voice_server.model.tokens", unit: "{token}", description: "Tokens billed by the model, by direction and kind (cached input counted apart).");
        _callCommands = meter.CreateCounter<long>("voice_server.call_commands", unit: "{command}", description: "Operators' live-call commands received, by action and outcome (refused: not signed, stale or replayed).");
        meter.CreateObservableGauge("voice_server.calls.limit", () => CallLimit, unit: "{call}", description: "The most calls this instance accepts (MAX_CONCURRENT_CALLS).");
    }

    private static KeyValuePair<string, object?>[] TokenTags(string direction, string kind) =>
        [new("voice_server.token.direction", direction), new("voice_server.token.kind", kind)];

    /// <summary>The capacity reported beside the active calls, so alerts can compare the two.</summary>
    public int CallLimit { get; set; }

    public void CallStarted() => _activeCalls.Add(1);

    public void CallEnded(CallEndReason reason, TimeSpan duration)
    {
        _activeCalls.Add(-1);
        _callDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(EndReasonTag, reason.ToName()));
    }

    public void UpgradeRejected(string rejection) =>
        _rejectedUpgrades.Add(1, new KeyValuePair<string, object?>(RejectionTag, rejection));

    public void MalformedMessage() => _malformedMessages.Add(1);

    /// <summary>An operator's command answered; <paramref name="action"/> is any text, tagged only as a known action or <c>unknown</c>.</summary>
    public void CallCommand(string? action, Commands.CallCommandOutcome outcome) =>
        _callCommands.Add(
            1,
            new KeyValuePair<string, object?>(CommandActionTag, action switch
            {
                Commands.CallCommandActions.HangUp => Commands.CallCommandActions.HangUp,
                Commands.CallCommandActions.Transfer => Commands.CallCommandActions.Transfer,
                Commands.CallCommandActions.Say => Commands.CallCommandActions.Say,
                Commands.CallCommandActions.AnsweredBy => Commands.CallCommandActions.AnsweredBy,
                _ => "unknown",
            }),
            new KeyValuePair<string, object?>(CommandOutcomeTag, Commands.CallCommandOutcomes.ToName(outcome)));

    public void ModelConnected(TimeSpan elapsed) => _modelConnectDuration.Record(elapsed.TotalSeconds);

    public void CallReady(TimeSpan sinceUpgrade) => _callSetupDuration.Record(sinceUpgrade.TotalSeconds);

    public void ResponseStarted(TimeSpan sinceSpeechStopped) => _responseLatency.Record(sinceSpeechStopped.TotalSeconds);

    /// <summary>Per frame: the tag is a preallocated constant, so recording allocates nothing.</summary>
    public void FrameRelayed(RelayDirection direction) =>
        _framesRelayed.Add(1, direction == RelayDirection.CallerToModel ? s_callerToModel : s_modelToCaller);

    public void BargeIn(int truncations)
    {
        _bargeIns.Add(1);
        _truncations.Add(truncations);
    }

    /// <summary><paramref name="cause"/> and <paramref name="outcome"/> come from closed sets (see docs/operations.md).</summary>
    public void ModelReconnected(string cause, string outcome, TimeSpan elapsed)
    {
        var causeTag = new KeyValuePair<string, object?>(CauseTag, cause);
        var outcomeTag = new KeyValuePair<string, object?>(OutcomeTag, outcome);
        _modelReconnects.Add(1, causeTag, outcomeTag);
        _modelReconnectDuration.Record(elapsed.TotalSeconds, causeTag, outcomeTag);
    }

    public void ModelTokensUsed(ModelUsage usage)
    {
        AddTokens(usage.InputTextTokens - usage.CachedTextTokens, s_inputText);
        AddTokens(usage.InputAudioTokens - usage.CachedAudioTokens, s_inputAudio);
        AddTokens(usage.CachedTextTokens, s_inputCachedText);
        AddTokens(usage.CachedAudioTokens, s_inputCachedAudio);
        AddTokens(usage.OutputTextTokens, s_outputText);
        AddTokens(usage.OutputAudioTokens, s_outputAudio);
    }

    private void AddTokens(long count, KeyValuePair<string, object?>[] tags)
    {
        if (count > 0)
        {
            _modelTokens.Add(count, tags);
        }
    }

    public void ModelError(string? code) =>
        _modelErrors.Add(1, new KeyValuePair<string, object?>(ErrorTypeTag, code ?? "unknown"));
}
