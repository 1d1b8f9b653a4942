using System.Net.WebSockets;

namespace VoiceServer.Legs;

/// <summary>
/// The caller's side of a call (Twilio Media Streams today). The receive loop pushes events into an
/// <see cref="ICallerEvents"/>; the <c>TrySend</c> methods enqueue for the leg's single send loop and never block.
/// </summary>
public interface ICallerLeg : IAsyncDisposable
{
    Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken);

    Task RunSendLoopAsync(CancellationToken cancellationToken);

    /// <summary>Queues agent audio (base64 μ-law, passed through unchanged). False when the queue is full.</summary>
    bool TrySendAudio(ReadOnlySpan<byte> base64Audio);

    /// <summary>Queues a playback mark. False when the queue is full.</summary>
    bool TrySendMark(ReadOnlySpan<byte> name);

    /// <summary>Queues a flush of the caller's playback buffer. False when the queue is full.</summary>
    bool TrySendClear();

    /// <summary>Flushes what is queued, then closes with a bounded handshake.</summary>
    Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken);
}

/// <summary>What the caller's side reports. Called from the receive loop, one event at a time.</summary>
public interface ICallerEvents
{
    void OnConnected();

    void OnStart(CallerStart start);

    /// <summary>
    /// Caller audio as base64 μ-law; the span is only valid during the call. <paramref name="timestampMs"/> is the
    /// frame's position in the stream (Twilio's <c>media.timestamp</c>), or -1 when unknown.
    /// </summary>
    void OnMedia(ReadOnlySpan<byte> base64Audio, long timestampMs);

    /// <summary>A mark came back: the audio before it played, or a <c>clear</c> flushed it.</summary>
    void OnMark(ReadOnlySpan<byte> name);

    void OnDtmf(string digit);

    void OnStop();

    /// <summary>A message that could not be understood and was ignored.</summary>
    void OnMalformedMessage(string detail);
}

/// <summary>The facts of Twilio's <c>start</c> message that the call needs.</summary>
public sealed record CallerStart(
    string StreamSid,
    string? CallSid,
    string? AccountSid,
    string? Encoding,
    int? SampleRate,
    int? Channels,
    IReadOnlyDictionary<string, string> CustomParameters);
