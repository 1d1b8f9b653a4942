using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Telnyx;

/// <summary>
/// The caller leg over Telnyx's bidirectional media-streaming WebSocket (server side, RTP mode, PCMU 8 kHz).
/// Telnyx's <c>start</c> becomes the session's <see cref="CallerStart"/>: <c>stream_id</c> as the stream,
/// <c>call_control_id</c> as the call id (the one REST commands need), <c>PCMU</c> as μ-law.
/// </summary>
public sealed partial class TelnyxCallerLeg : ICallerLeg
{
    private static readonly MessageHandler<(TelnyxCallerLeg Leg, ICallerEvents Events)> s_dispatch =
        static (state, message, scratch) => state.Leg.Dispatch(message, scratch, state.Events);

    private readonly WebSocketConnection _connection;
    private readonly ILogger _logger;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="maxMessageBytes">Larger text messages end the call with 1009.</param>
    /// <param name="outboundCapacity">Messages queued for Telnyx before the caller counts as too slow.</param>
    /// <param name="rateLimit">The caller's inbound message budget, if any.</param>
    /// <param name="logger">Where Telnyx's own <c>error</c> frames are logged.</param>
    public TelnyxCallerLeg(
        WebSocket socket,
        int maxMessageBytes,
        int outboundCapacity,
        MessageRateLimit? rateLimit = null,
        ILogger<TelnyxCallerLeg>? logger = null)
    {
        _connection = new WebSocketConnection(socket, maxMessageBytes, outboundCapacity, rateLimit);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken) =>
        _connection.RunReceiveLoopAsync((this, events), s_dispatch, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => _connection.RunSendLoopAsync(cancellationToken);

    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) =>
        _connection.Outbound.TryEnqueue(TelnyxMessageWriter.MediaPrefix, base64Audio, TelnyxMessageWriter.ObjectSuffix);

    public bool TrySendMark(ReadOnlySpan<byte> name) =>
        _connection.Outbound.TryEnqueue(TelnyxMessageWriter.MarkPrefix, name, TelnyxMessageWriter.ObjectSuffix);

    public bool TrySendClear() => _connection.Outbound.TryEnqueue(TelnyxMessageWriter.Clear);

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken) =>
        _connection.CloseAsync(status, description, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Dispatch(ReadOnlySpan<byte> json, Span<byte> scratch, ICallerEvents events)
    {
        if (!TelnyxMessageReader.TryRead(json, scratch, out var message, out var problem))
        {
            events.OnMalformedMessage(problem ?? "malformed message");
            return;
        }

        switch (message.Event)
        {
            case TelnyxEvent.Media:
                events.OnMedia(message.Payload, message.MediaTimestampMs);
                break;
            case TelnyxEvent.Mark:
                events.OnMark(message.MarkName);
                break;
            case TelnyxEvent.Start:
                events.OnStart(message.Start!.Caller);
                break;
            case TelnyxEvent.Connected:
                events.OnConnected();
                break;
            case TelnyxEvent.Dtmf:
                events.OnDtmf(message.Digit ?? string.Empty);
                break;
            case TelnyxEvent.Stop:
                events.OnStop();
                break;
            case TelnyxEvent.Error:
                // Stream errors arrive on the socket, not as a webhook (§3.5); the call goes on unless Telnyx stops it.
                Log.StreamError(_logger, message.ErrorCode, message.ErrorTitle);
                break;
            default:
                events.OnMalformedMessage("unknown event");
                break;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(199, LogLevel.Warning, "Telnyx reported a stream error: code {ErrorCode}, {ErrorTitle}.")]
        public static partial void StreamError(ILogger logger, string? errorCode, string? errorTitle);
    }
}
