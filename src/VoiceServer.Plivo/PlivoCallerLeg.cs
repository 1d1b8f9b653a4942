using System.Net.WebSockets;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Plivo;

/// <summary>
/// The caller leg over Plivo's bidirectional audio-stream WebSocket (server side, μ-law 8 kHz). The session's
/// marks travel as Plivo's <c>checkpoint</c> and come back as <c>playedStream</c>; its clear is <c>clearAudio</c>.
/// Plivo probably does not return checkpoints a <c>clearAudio</c> flushed (§3.5); the session never waits for them.
/// </summary>
public sealed class PlivoCallerLeg : ICallerLeg
{
    private static readonly MessageHandler<(PlivoCallerLeg Leg, ICallerEvents Events)> s_dispatch =
        static (state, message, scratch) => state.Leg.Dispatch(message, scratch, state.Events);

    private readonly WebSocketConnection _connection;

    /// <summary>Built at <c>start</c>: checkpoint and clearAudio name the stream.</summary>
    private PlivoMessageWriter? _writer;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="maxMessageBytes">Larger text messages end the call with 1009.</param>
    /// <param name="outboundCapacity">Messages queued for Plivo before the caller counts as too slow.</param>
    /// <param name="rateLimit">The caller's inbound message budget, if any.</param>
    public PlivoCallerLeg(WebSocket socket, int maxMessageBytes, int outboundCapacity, MessageRateLimit? rateLimit = null)
    {
        _connection = new WebSocketConnection(socket, maxMessageBytes, outboundCapacity, rateLimit);
    }

    public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken) =>
        _connection.RunReceiveLoopAsync((this, events), s_dispatch, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => _connection.RunSendLoopAsync(cancellationToken);

    // Audio before start would play nowhere Plivo could track; as Twilio's leg, nothing is sent before it.
    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) =>
        _writer is not null && _connection.Outbound.TryEnqueue(PlivoMessageWriter.PlayAudioPrefix, base64Audio, PlivoMessageWriter.PlayAudioSuffix);

    public bool TrySendMark(ReadOnlySpan<byte> name) =>
        _writer is { } writer && _connection.Outbound.TryEnqueue(writer.CheckpointPrefix, name, PlivoMessageWriter.CheckpointSuffix);

    public bool TrySendClear() => _writer is { } writer && _connection.Outbound.TryEnqueue(writer.ClearAudio);

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken) =>
        _connection.CloseAsync(status, description, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Dispatch(ReadOnlySpan<byte> json, Span<byte> scratch, ICallerEvents events)
    {
        if (!PlivoMessageReader.TryRead(json, scratch, out var message, out var problem))
        {
            events.OnMalformedMessage(problem ?? "malformed message");
            return;
        }

        switch (message.Event)
        {
            case PlivoEvent.Media:
                events.OnMedia(message.Payload, message.MediaTimestampMs);
                break;
            case PlivoEvent.PlayedStream:
                events.OnMark(message.CheckpointName);
                break;
            case PlivoEvent.ClearedAudio:
                // The acknowledgement of a barge-in the session has already applied.
                break;
            case PlivoEvent.Start:
                _writer ??= new PlivoMessageWriter(message.Start!.StreamSid);
                events.OnStart(message.Start!);
                break;
            case PlivoEvent.Dtmf:
                events.OnDtmf(message.Digit ?? string.Empty);
                break;
            case PlivoEvent.Stop:
                events.OnStop();
                break;
            default:
                events.OnMalformedMessage("unknown event");
                break;
        }
    }
}
