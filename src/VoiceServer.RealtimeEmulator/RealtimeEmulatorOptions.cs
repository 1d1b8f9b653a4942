namespace VoiceServer.RealtimeEmulator;

/// <summary>Emulator knobs. Internal: the defaults suit every host; tests adjust them.</summary>
internal sealed class RealtimeEmulatorOptions
{
    /// <summary>
    /// Gap between response audio chunks. Zero (the default): as fast as the socket takes them, like the real API
    /// generating faster than real time. A positive value holds a response open, e.g. to barge in on it.
    /// </summary>
    public TimeSpan ResponseChunkInterval { get; set; } = TimeSpan.Zero;

    /// <summary>How long to wait for the client's close frame after sending ours.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>OpenAI's session cap; the socket then closes with 1001, as the real API does.</summary>
    public TimeSpan MaxSessionDuration { get; set; } = TimeSpan.FromMinutes(60);
}
