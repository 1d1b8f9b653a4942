using VoiceServer.MainApp.Data;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A call the app asked <paramref name="Provider"/> (Twilio or Telnyx) to record, as stored: the provider's
/// <paramref name="RecordingSid"/> and what its status callback said, once it came (<see cref="CallRecordingStatuses"/>).
/// </summary>
internal sealed record CallRecording(string CallSid, string AgentId, string? RecordingSid, string Status, int? DurationSeconds, int? Channels, PhoneProvider Provider);
