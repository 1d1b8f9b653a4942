using System.Net.WebSockets;

namespace VoiceServer.Legs;

/// <summary>
/// The caller's side of a call (Twilio, Telnyx, Plivo, Vonage). The receive loop pushes events into an
/// <see cref="ICallerEvents"/>; the <c>TrySend</c> methods enqueue for the leg's single send loop and never block.
/// </summary>
public interface ICallerLeg : IAsyncDisposable
{
    Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken);

    Task RunSendLoopAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Queues agent audio: base64 in the call's <see cref="Audio.ModelAudioFormat"/> (μ-law passes through unchanged;
    /// an L16 leg converts from 24 kHz PCM). False when the queue is full.
    /// </summary>
    bool TrySendAudio(ReadOnlySpan<byte> base64Audio);

    /// <summary>Queues a playback mark. False when the queue is full.</summary>
    bool TrySendMark(ReadOnlySpan<byte> name);

    /// <summary>Queues a flush of the caller's playback buffer. False when the queue is full.</summary>
    bool TrySendClear();

    /// <summary>Flushes what is queued, then closes with a bounded handshake.</summary>
    Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);
}
