using System.Diagnostics.Metrics;
using VoiceServer.Calls;

namespace VoiceServer.Diagnostics;

/// <summary>All of the server's metrics, built on <see cref="IMeterFactory"/>. Tags never carry a secret.</summary>
public sealed class VoiceServerMetrics
{
    public const string MeterName = "VoiceServer";

    private const string EndReasonTag = "voice_server.end_reason";
    private const string RejectionTag = "voice_server.rejection";

    private readonly UpDownCounter<long> _activeCalls;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _rejectedUpgrades;
    private readonly Counter<long> _malformedMessages;

    public VoiceServerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _activeCalls = meter.CreateUpDownCounter<long>("voice_server.calls.active", unit: "{call}", description: "Calls in progress.");
        _callDuration = meter.CreateHistogram<double>("voice_server.call.duration", unit: "s", description: "Duration of ended calls, by end reason.");
        _rejectedUpgrades = meter.CreateCounter<long>("voice_server.upgrades.rejected", unit: "{request}", description: "Media-stream requests refused before the upgrade.");
        _malformedMessages = meter.CreateCounter<long>("voice_server.messages.malformed", unit: "{message}", description: "Messages ignored because they could not be understood.");
    }

    public void CallStarted() => _activeCalls.Add(1);

    public void CallEnded(CallEndReason reason, TimeSpan duration)
    {
        _activeCalls.Add(-1);
        _callDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(EndReasonTag, reason.ToName()));
    }

    public void UpgradeRejected(string rejection) =>
        _rejectedUpgrades.Add(1, new KeyValuePair<string, object?>(RejectionTag, rejection));

    public void MalformedMessage() => _malformedMessages.Add(1);
}
