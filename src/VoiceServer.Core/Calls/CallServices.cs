using VoiceServer.Records;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>
/// What a call may reach beyond its two legs; each is optional (a missing one turns its feature off). The
/// <paramref name="Observer"/> is per call (a live view), the others are shared. <paramref name="Directory"/> lists the
/// calls an operator may command; <paramref name="Handoffs"/> fetches the agents a call is handed to.
/// </summary>
public sealed record CallServices(
    ICallRecordSink? Records = null,
    IToolRunner? Tools = null,
    ICallControl? CallControl = null,
    ICallObserver? Observer = null,
    ICallDirectory? Directory = null,
    Handoffs.IHandoffFetcher? Handoffs = null)
{
    public static CallServices None { get; } = new();
}
