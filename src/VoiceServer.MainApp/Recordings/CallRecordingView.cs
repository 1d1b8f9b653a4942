using VoiceServer.MainApp.Hosting;

namespace VoiceServer.MainApp.Recordings;

/// <summary>
/// A call's recording as the admin listing shows it: Twilio's RecordingSid, length, channels and status, and
/// <paramref name="Url"/>, this app's own admin URL for the media (never Twilio's), while there is a file to fetch.
/// </summary>
internal sealed record CallRecordingView(string Sid, int? DurationSeconds, int? Channels, string Status, string? Url)
{
    /// <summary>The media's admin path for a call.</summary>
    public static string MediaPath(string callSid) => $"/api/calls/{Uri.EscapeDataString(callSid)}/recording";

    /// <summary>The view of a stored recording, or null while Twilio has not reported one.</summary>
    public static CallRecordingView? Of(CallRecording? recording, MainAppOptions options)
    {
        if (recording?.RecordingSid is not { } sid)
        {
            return null;
        }

        var url = recording.Status != CallRecordingStatuses.Completed
            ? null
            : options.PublicUrl is { } publicUrl ? MainAppOptions.PublicPath(publicUrl, MediaPath(recording.CallSid)) : MediaPath(recording.CallSid);
        return new CallRecordingView(sid, recording.DurationSeconds, recording.Channels, recording.Status, url);
    }
}
