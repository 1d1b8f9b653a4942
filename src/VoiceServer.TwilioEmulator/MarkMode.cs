namespace VoiceServer.TwilioEmulator;

/// <summary>When <see cref="FakeTwilioCaller"/> returns the marks the server sends (docs/reference/twilio-media-streams.md §4.4).</summary>
public enum MarkMode
{
    /// <summary>Nothing comes back on its own; the test acknowledges marks. A <c>clear</c> still returns them all.</summary>
    Manual,

    /// <summary>Every mark comes back as soon as it arrives, as if the audio before it had already played.</summary>
    Immediate,

    /// <summary>Audio plays in real time on the caller's TimeProvider (8 bytes/ms); a mark comes back once the audio
    /// queued before it has played, at once if nothing is queued.</summary>
    Playback,
}
