using System.Net.WebSockets;
using System.Text;
using VoiceServer.Conversation;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>A model leg in memory, handed out by <see cref="InMemoryModelConnector"/>.</summary>
internal sealed class InMemoryModelLeg : IModelLeg
{
    private readonly InMemoryPeer<IModelEvents> _peer = new();
    private readonly TaskCompletionSource<string> _sessionUpdate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<WebSocketCloseStatus> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool AcceptSends
    {
        get => _peer.AcceptSends;
        set => _peer.AcceptSends = value;
    }

    public List<string> Sent => _peer.Sent;

    /// <summary>Completes with the event id of the first <c>session.update</c>.</summary>
    public Task<string> SessionUpdate => _sessionUpdate.Task;

    public Task<WebSocketCloseStatus> Closed => _closed.Task;

    public void Push(Action<IModelEvents> modelEvent) => _peer.Push(modelEvent);

    public void ConfirmMuLawSession(string voice = "alloy") =>
        Push(events => events.OnSessionUpdated(new ModelSessionState(true, true, "audio/pcmu", "audio/pcmu", voice, true)));

    public Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken) => _peer.RunAsync(events, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The last <c>session.update</c> asked for.</summary>
    public ModelSessionRequest? LastSessionRequest { get; private set; }

    public bool TryUpdateSession(ModelSessionRequest request, string eventId)
    {
        LastSessionRequest = request;
        _sessionUpdate.TrySetResult(eventId);
        return _peer.Record($"session.update:{request.Voice}");
    }

    public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio) => _peer.Record("append:" + Encoding.ASCII.GetString(base64Audio));

    public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) => _peer.Record($"truncate:{itemId}:{audioEndMs}");

    public bool TryCancelResponse() => _peer.Record("cancel");

    public bool TryCreateResponse(string? instructions) => _peer.Record("response.create");

    public bool TryCreateOutOfBandResponse(string instructions, string purpose, string eventId) => _peer.Record($"response.create:out-of-band:{purpose}");

    public bool TryAddSystemMessage(string text) => _peer.Record($"item:system:{text}");

    public bool TryAddConversationItem(Speaker speaker, string text) => _peer.Record($"item:{speaker}:{text}");

    public bool TryAddFunctionOutput(string toolCallId, string output) => _peer.Record($"output:{toolCallId}:{output}");

    public bool TryDeleteItem(string itemId, string eventId) => _peer.Record($"delete:{itemId}");

    /// <summary>The model side goes away mid-call (a dropped connection, a 1001 at the cap, …).</summary>
    public void Drop(LegCompletion completion) => _peer.Complete(completion);

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _closed.TrySetResult(status);
        _peer.Complete();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
