using System.Diagnostics;

namespace VoiceServer.Records;

/// <summary>Takes ended calls' records. Must not block: the call's teardown hands the record over and moves on.</summary>
public interface ICallRecordSink
{
    /// <summary>Queues <paramref name="record"/>; its delivery is traced as a child of <paramref name="callSpan"/> (default when not traced).</summary>
    void Submit(CallRecord record, ActivityContext callSpan);
}
