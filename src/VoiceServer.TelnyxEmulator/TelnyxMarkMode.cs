namespace VoiceServer.TelnyxEmulator;

/// <summary>When the fake returns the marks it receives.</summary>
public enum TelnyxMarkMode
{
    /// <summary>At once, as Telnyx does when nothing is queued (or the audio played instantly).</summary>
    Immediate,

    /// <summary>Only when the test says the audio before them played, or on <c>clear</c>.</summary>
    Manual,
}
