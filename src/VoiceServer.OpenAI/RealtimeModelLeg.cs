using System.Net.WebSockets;
using VoiceServer.Conversation;
using VoiceServer.Legs;
using VoiceServer.WebSockets;

namespace VoiceServer.OpenAI;

/// <summary>The model leg over an OpenAI Realtime GA WebSocket (client side).</summary>
public sealed class RealtimeModelLeg : IModelLeg
{
    private static readonly MessageHandler<(RealtimeModelLeg Leg, IModelEvents Events)> s_dispatch =
        static (state, message, scratch) => state.Leg.Dispatch(message, scratch, state.Events);

    private readonly WebSocketConnection _connection;
    private readonly Utf8StringCache _ids = new();

    // Out-of-band responses under way (read and written by the receive loop only): their tool calls are never passed on.
    private readonly HashSet<string> _outOfBand = new(StringComparer.Ordinal);

    public RealtimeModelLeg(WebSocket socket, int maxMessageBytes, int outboundCapacity)
    {
        _connection = new WebSocketConnection(socket, maxMessageBytes, outboundCapacity);
    }

    public Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken) =>
        _connection.RunReceiveLoopAsync((this, events), s_dispatch, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => _connection.RunSendLoopAsync(cancellationToken);

    public bool TryUpdateSession(ModelSessionRequest request, string eventId) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.SessionUpdate(request, eventId));

    public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.AppendPrefix, base64Audio, RealtimeEventWriter.AppendSuffix);

    public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.Truncate(itemId, contentIndex, audioEndMs));

    public bool TryCancelResponse() => _connection.Outbound.TryEnqueue(RealtimeEventWriter.Cancel);

    public bool TryCreateResponse(string? instructions) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.CreateResponse(instructions));

    public bool TryCreateOutOfBandResponse(string instructions, string purpose, string eventId) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.CreateOutOfBandResponse(instructions, purpose, eventId));

    public bool TryAddSystemMessage(string text) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.SystemMessage(text));

    public bool TryAddConversationItem(Speaker speaker, string text) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.ConversationItem(speaker, text));

    public bool TryAddFunctionOutput(string toolCallId, string output) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.FunctionOutput(toolCallId, output));

    public bool TryDeleteItem(string itemId, string eventId) =>
        _connection.Outbound.TryEnqueue(RealtimeEventWriter.DeleteItem(itemId, eventId));

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken) =>
        _connection.CloseAsync(status, description, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Dispatch(ReadOnlySpan<byte> json, Span<byte> scratch, IModelEvents events)
    {
        if (!RealtimeEventReader.TryRead(json, scratch, out var serverEvent, out var problem))
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
                var created = RealtimeEventReader.ReadResponse(serverEvent.Body);
                if (created.Id is { } createdId && created.Purpose is not null)
                {
                    // Ours, out of band: not the conversation's response, so nothing of it may count as one.
                    _outOfBand.Add(createdId);
                }
                else if (created.Id is { } conversationResponseId)
                {
                    events.OnResponseCreated(conversationResponseId);
                }

                break;
            case RealtimeEventType.ResponseDone:
                var (doneId, status, errorType, usage, purpose, text) = RealtimeEventReader.ReadResponse(serverEvent.Body);
                if (doneId is not null && purpose is not null)
                {
                    _outOfBand.Remove(doneId);
                    events.OnOutOfBandResponseDone(doneId, purpose, status ?? "unknown", text, usage);
                }
                else if (doneId is not null)
                {
                    events.OnResponseDone(doneId, status ?? "unknown", errorType, usage);
                }

                break;
            case RealtimeEventType.OutputTranscriptDelta when !serverEvent.ItemId.IsEmpty:
                events.OnOutputTranscriptDelta(_ids.Get(serverEvent.ItemId), serverEvent.Delta);
                break;
            case RealtimeEventType.OutputTranscriptDone when !serverEvent.ItemId.IsEmpty:
                events.OnOutputTranscriptDone(_ids.Get(serverEvent.ItemId), System.Text.Encoding.UTF8.GetString(serverEvent.Transcript));
                break;
            case RealtimeEventType.FunctionCallDone when !serverEvent.CallId.IsEmpty && !serverEvent.Name.IsEmpty && !serverEvent.ResponseId.IsEmpty &&
                !(_outOfBand.Count > 0 && _outOfBand.Contains(_ids.Get(serverEvent.ResponseId))):
                events.OnFunctionCall(
                    _ids.Get(serverEvent.ResponseId),
                    System.Text.Encoding.UTF8.GetString(serverEvent.CallId),
                    System.Text.Encoding.UTF8.GetString(serverEvent.Name),
                    System.Text.Encoding.UTF8.GetString(serverEvent.Arguments));
                break;
            case RealtimeEventType.InputCommitted when !serverEvent.ItemId.IsEmpty:
                events.OnInputCommitted(_ids.Get(serverEvent.ItemId));
                break;
            case RealtimeEventType.InputTranscriptCompleted when !serverEvent.ItemId.IsEmpty:
                events.OnInputTranscript(_ids.Get(serverEvent.ItemId), System.Text.Encoding.UTF8.GetString(serverEvent.Transcript));
                break;
            case RealtimeEventType.ItemAdded:
                var (addedId, kind, callId) = RealtimeEventReader.ReadItem(serverEvent.Body);
                if (addedId is not null)
                {
                    events.OnItemAdded(addedId, serverEvent.PreviousItemId.IsEmpty ? null : _ids.Get(serverEvent.PreviousItemId), kind, callId);
                }

                break;
            case RealtimeEventType.ItemDeleted when !serverEvent.ItemId.IsEmpty:
                events.OnItemDeleted(_ids.Get(serverEvent.ItemId));
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
