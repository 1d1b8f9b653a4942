namespace VoiceServer.Records;

/// <summary>Takes ended calls' records. Must not block: the call's teardown hands the record over and moves on.</summary>
public interface ICallRecordSink
{
    void Submit(CallRecord record);
}
