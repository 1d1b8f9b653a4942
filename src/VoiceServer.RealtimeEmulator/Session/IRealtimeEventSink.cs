namespace VoiceServer.RealtimeEmulator.Session;

/// <summary>Where a session's server events go: one UTF-8 JSON text message each, sent one at a time.</summary>
internal interface IRealtimeEventSink
{
    ValueTask SendAsync(ReadOnlyMemory<byte> utf8Json, CancellationToken cancellationToken);
}
