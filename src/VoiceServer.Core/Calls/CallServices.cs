using VoiceServer.Records;
using VoiceServer.Tools;

namespace VoiceServer.Calls;

/// <summary>What a call may reach beyond its two legs; each is optional (a missing one turns its feature off).</summary>
public sealed record CallServices(ICallRecordSink? Records = null, IToolRunner? Tools = null, ICallControl? CallControl = null)
{
    public static CallServices None { get; } = new();
}
