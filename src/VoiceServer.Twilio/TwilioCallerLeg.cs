using System.Buffers;
using System.Net.WebSockets;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.Twilio;

/// <summary>The caller leg over Twilio's Media Streams WebSocket (server side).</summary>
public sealed class TwilioCallerLeg : ICallerLeg
{
    private readonly WebSocket _socket;
    private readonly WebSocketMessageReader _reader;
    private readonly OutboundChannel _outbound;
    private readonly TaskCompletionSource _sendLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TwilioMessageWriter? _writer;
    private byte[] _scratch = [];

    /// <param name="socket">The accepted socket.</param>
    /// <param name="maxMessageBytes">Larger text messages end the call with 1009.</param>
    /// <param name="outboundCapacity">Messages queued for Twilio before the caller counts as too slow.</param>
    public TwilioCallerLeg(WebSocket socket, int maxMessageBytes, int outboundCapacity)
    {
        _socket = socket;
        _reader = new WebSocketMessageReader(maxMessageBytes);
        _outbound = new OutboundChannel(outboundCapacity);
    }

    public async Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken)
    {
        while (true)
        {
            var received = await _reader.ReceiveAsync(_socket, cancellationToken);
            if (received.Completion is { } completion)
            {
                return completion;
            }

            Dispatch(_reader.Message(received.Length), events);
        }
    }

    public async Task RunSendLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _outbound.RunSendLoopAsync(_socket, cancellationToken);
        }
        finally
        {
            _sendLoopDone.TrySetResult();
        }
    }

    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) =>
        _writer is { } writer && _outbound.TryEnqueue(writer.MediaPrefix, base64Audio, TwilioMessageWriter.ObjectSuffix);

    public bool TrySendMark(ReadOnlySpan<byte> name) =>
        _writer is { } writer && _outbound.TryEnqueue(writer.MarkPrefix, name, TwilioMessageWriter.ObjectSuffix);

    public bool TrySendClear() => _writer is { } writer && _outbound.TryEnqueue(writer.Clear);

    public async Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        // What is already queued goes out first, then the close frame; both bounded by the token.
        _outbound.Complete();
        await Task.WhenAny(_sendLoopDone.Task, Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ContinueWith(static _ => { }, TaskScheduler.Default));
        await WebSocketClosing.CloseOutputAsync(_socket, status, description, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _outbound.Complete();
        _socket.Abort();
        _socket.Dispose();
        _reader.Dispose();
        if (_scratch.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = [];
        }

        return ValueTask.CompletedTask;
    }

    private void Dispatch(ReadOnlySpan<byte> json, ICallerEvents events)
    {
        if (_scratch.Length < json.Length)
        {
            if (_scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(json.Length);
        }

        if (!TwilioMessageReader.TryRead(json, _scratch, out var message, out var problem))
        {
            events.OnMalformedMessage(problem ?? "malformed message");
            return;
        }

        switch (message.Event)
        {
            case TwilioEvent.Media:
                events.OnMedia(message.Payload);
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
