using System.Buffers;
using System.Net.WebSockets;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.OpenAI;

/// <summary>The model leg over an OpenAI Realtime GA WebSocket (client side).</summary>
public sealed class RealtimeModelLeg : IModelLeg
{
    private readonly WebSocket _socket;
    private readonly WebSocketMessageReader _reader;
    private readonly OutboundChannel _outbound;
    private readonly Utf8StringCache _ids = new();
    private readonly TaskCompletionSource _sendLoopDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _scratch = [];

    public RealtimeModelLeg(WebSocket socket, int maxMessageBytes, int outboundCapacity)
    {
        _socket = socket;
        _reader = new WebSocketMessageReader(maxMessageBytes);
        _outbound = new OutboundChannel(outboundCapacity);
    }

    public async Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken)
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

    public bool TryUpdateSession(ModelSessionRequest request, string eventId) =>
        _outbound.TryEnqueue(RealtimeEventWriter.SessionUpdate(request, eventId));

    public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio) =>
        _outbound.TryEnqueue(RealtimeEventWriter.AppendPrefix, base64Audio, RealtimeEventWriter.AppendSuffix);

    public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) =>
        _outbound.TryEnqueue(RealtimeEventWriter.Truncate(itemId, contentIndex, audioEndMs));

    public bool TryCancelResponse() => _outbound.TryEnqueue(RealtimeEventWriter.Cancel);

    public bool TryCreateResponse(string? instructions) =>
        _outbound.TryEnqueue(RealtimeEventWriter.CreateResponse(instructions));

    public async Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
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

    private void Dispatch(ReadOnlySpan<byte> json, IModelEvents events)
    {
        if (_scratch.Length < json.Length)
        {
            if (_scratch.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
            }

            _scratch = ArrayPool<byte>.Shared.Rent(json.Length);
        }

        if (!RealtimeEventReader.TryRead(json, _scratch, out var serverEvent, out var problem))
        {
            events.OnMalformedMessage(problem ?? "malformed message");
            return;
        }

        switch (serverEvent.Type)
        {
            case RealtimeEventType.AudioDelta:
                events.OnAudioDelta(_ids.Get(serverEvent.ResponseId), _ids.Get(serverEvent.ItemId), serverEvent.ContentIndex, serverEvent.Delta);
                break;
            case RealtimeEventType.AudioDone when !serverEvent.ResponseId.IsEmpty && !serverEvent.ItemId.IsEmpty:
                events.OnAudioDone(_ids.Get(serverEvent.ResponseId), _ids.Get(serverEvent.ItemId), serverEvent.ContentIndex);
                break;
            case RealtimeEventType.SpeechStarted:
                events.OnSpeechStarted();
                break;
            case RealtimeEventType.SpeechStopped:
                events.OnSpeechStopped();
                break;
            case RealtimeEventType.ResponseCreated:
                if (RealtimeEventReader.ReadResponse(serverEvent.Body).Id is { } createdId)
                {
                    events.OnResponseCreated(createdId);
                }

                break;
            case RealtimeEventType.ResponseDone:
                var (doneId, status) = RealtimeEventReader.ReadResponse(serverEvent.Body);
                if (doneId is not null)
                {
                    events.OnResponseDone(doneId, status ?? "unknown");
                }

                break;
            case RealtimeEventType.SessionCreated:
                events.OnSessionCreated();
                break;
            case RealtimeEventType.SessionUpdated:
                events.OnSessionUpdated(RealtimeEventReader.ReadSession(serverEvent.Body));
                break;
            case RealtimeEventType.Error:
                events.OnError(RealtimeEventReader.ReadError(serverEvent.Body));
                break;
        }
    }
}
