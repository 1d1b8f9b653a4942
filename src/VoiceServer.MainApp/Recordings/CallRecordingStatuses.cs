namespace VoiceServer.MainApp.Recordings;

/// <summary>A stored recording's status: Twilio's <c>RecordingStatus</c> values, and two of the app's own.</summary>
internal static class CallRecordingStatuses
{
    /// <summary>The app asked Twilio to record the call; no callback yet.</summary>
    public const string Requested = "requested";

    /// <summary>The file is ready to fetch.</summary>
    public const string Completed = "completed";

    /// <summary>The provider made no file (Vonage's callback with an empty <c>recording_url</c>; Twilio's <c>failed</c>).</summary>
    public const string Failed = "failed";

    /// <summary>Deleted through the admin API (and at Twilio): gone for good.</summary>
    public const string Deleted = "deleted";

    /// <summary>What Twilio's callback may say (https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback).</summary>
    public static bool IsTwilios(string? status) => status is "in-progress" or Completed or "absent" or Failed;
}
