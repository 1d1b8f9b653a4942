using System.Net.WebSockets;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Twilio;

/// <summary>The caller leg over Twilio's Media Streams WebSocket (server side).</summary>
public sealed class TwilioCallerLeg : ICallerLeg
{
    private static readonly MessageHandler<(TwilioCallerLeg Leg, ICallerEvents Events)> s_dispatch =
        static (state, message, scratch) => state.Leg.Dispatch(message, scratch, state.Events);

    private readonly WebSocketConnection _connection;
    private TwilioMessageWriter? _writer;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="maxMessageBytes">Larger text messages end the call with 1009.</param>
    /// <param name="outboundCapacity">Messages queued for Twilio before the caller counts as too slow.</param>
    /// <param name="rateLimit">The caller's inbound message budget, if any.</param>
    public TwilioCallerLeg(WebSocket socket, int maxMessageBytes, int outboundCapacity, MessageRateLimit? rateLimit = null)
    {
        _connection = new WebSocketConnection(socket, maxMessageBytes, outboundCapacity, rateLimit);
    }

    public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken) =>
        _connection.RunReceiveLoopAsync((this, events), s_dispatch, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => _connection.RunSendLoopAsync(cancellationToken);

    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) =>
        _writer is { } writer && _connection.Outbound.TryEnqueue(writer.MediaPrefix, base64Audio, TwilioMessageWriter.ObjectSuffix);

    public bool TrySendMark(ReadOnlySpan<byte> name) =>
        _writer is { } writer && _connection.Outbound.TryEnqueue(writer.MarkPrefix, name, TwilioMessageWriter.ObjectSuffix);

    public bool TrySendClear() => _writer is { } writer && _connection.Outbound.TryEnqueue(writer.Clear);

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken) =>
        _connection.CloseAsync(status, description, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Dispatch(ReadOnlySpan<byte> json, Span<byte> scratch, ICallerEvents events)
    {
        if (!TwilioMessageReader.TryRead(json, scratch, out var message, out var problem))
        {
            events.OnMalformedMessage(problem ?? "malformed message");
            return;
        }

        switch (message.Event)
        {
            case TwilioEvent.Media:
                events.OnMedia(message.Payload, message.MediaTimestampMs);
                break;
            case TwilioEvent.Mark:
                events.OnMark(message.MarkName);
                break;
            case TwilioEvent.Start:
                // The writer needs the streamSid before the call can send anything.
                _writer ??= new TwilioMessageWriter(message.Start!.StreamSid);
                events.OnStart(message.Start!);
                break;
            case TwilioEvent.Connected:
                events.OnConnected();
                break;
            case TwilioEvent.Dtmf:
                events.OnDtmf(message.Digit ?? string.Empty);
                break;
            case TwilioEvent.Stop:
                events.OnStop();
                break;
            default:
                events.OnMalformedMessage("unknown event");
                break;
        }
    }
}
