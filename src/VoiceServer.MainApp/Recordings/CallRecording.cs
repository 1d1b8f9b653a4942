using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A call the app asked <paramref name="Provider"/> to record, as stored: the provider's <paramref name="RecordingSid"/>
/// and what its status callback said, once it came (<see cref="CallRecordingStatuses"/>); for Vonage, the file's
/// <paramref name="MediaUrl"/>, kept once checked to be on an allowed Vonage API origin.
/// </summary>
internal sealed record CallRecording(string CallSid, string AgentId, string? RecordingSid, string Status, int? DurationSeconds, int? Channels, PhoneProvider Provider, Uri? MediaUrl = null);
