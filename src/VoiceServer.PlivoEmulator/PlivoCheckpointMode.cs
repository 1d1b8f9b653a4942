namespace VoiceServer.PlivoEmulator;

/// <summary>When the fake answers the checkpoints it receives with <c>playedStream</c>.</summary>
public enum PlivoCheckpointMode
{
    /// <summary>At once, as if the audio before them played instantly.</summary>
    Immediate,

    /// <summary>Only when the test says the audio before them played; never for checkpoints a <c>clearAudio</c> flushed.</summary>
    Manual,
}
