namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A call the app asked Twilio to record, as stored: Twilio's <paramref name="RecordingSid"/> and what its status
/// callback said, once it came (<see cref="CallRecordingStatuses"/>).
/// </summary>
internal sealed record CallRecording(string CallSid, string AgentId, string? RecordingSid, string Status, int? DurationSeconds, int? Channels);
