using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>A caller leg in memory: the test pushes events in and reads what the session sent.</summary>
internal sealed class InMemoryCallerLeg : ICallerLeg
{
    private readonly Channel<Action<ICallerEvents>> _inbound = Channel.CreateUnbounded<Action<ICallerEvents>>();
    private readonly TaskCompletionSource<(WebSocketCloseStatus Status, string Description)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>False makes every send fail, as a full outbound queue does.</summary>
    public bool AcceptSends { get; set; } = true;

    public List<string> Sent { get; } = [];

    public Task<(WebSocketCloseStatus Status, string Description)> Closed => _closed.Task;

    public void Push(Action<ICallerEvents> callerEvent) => _inbound.Writer.TryWrite(callerEvent);

    public async Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var callerEvent in _inbound.Reader.ReadAllAsync(cancellationToken))
            {
                callerEvent(events);
            }

            return new LegCompletion(LegCompletionKind.ClosedByPeer, WebSocketCloseStatus.NormalClosure);
        }
        catch (OperationCanceledException)
        {
            return new LegCompletion(LegCompletionKind.Cancelled);
        }
    }

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) => Record("media:" + Encoding.ASCII.GetString(base64Audio));

    public bool TrySendMark(ReadOnlySpan<byte> name) => Record("mark:" + Encoding.ASCII.GetString(name));

    public bool TrySendClear() => Record("clear");

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _closed.TrySetResult((status, description));
        _inbound.Writer.TryComplete();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool Record(string message)
    {
        lock (Sent)
        {
            Sent.Add(message);
        }

        return AcceptSends;
    }
}

/// <summary>A model leg in memory, handed out by <see cref="InMemoryModelConnector"/>.</summary>
internal sealed class InMemoryModelLeg : IModelLeg
{
    private readonly Channel<Action<IModelEvents>> _inbound = Channel.CreateUnbounded<Action<IModelEvents>>();
    private readonly TaskCompletionSource<string> _sessionUpdate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<WebSocketCloseStatus> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool AcceptSends { get; set; } = true;

    public List<string> Sent { get; } = [];

    /// <summary>Completes with the event id of the first <c>session.update</c>.</summary>
    public Task<string> SessionUpdate => _sessionUpdate.Task;

    public Task<WebSocketCloseStatus> Closed => _closed.Task;

    public void Push(Action<IModelEvents> modelEvent) => _inbound.Writer.TryWrite(modelEvent);

    public void ConfirmMuLawSession(string voice = "alloy") =>
        Push(events => events.OnSessionUpdated(new ModelSessionState(true, true, "audio/pcmu", "audio/pcmu", voice, true)));

    public async Task<LegCompletion> RunReceiveLoopAsync(IModelEvents events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var modelEvent in _inbound.Reader.ReadAllAsync(cancellationToken))
            {
                modelEvent(events);
            }

            return new LegCompletion(LegCompletionKind.ClosedByPeer, WebSocketCloseStatus.NormalClosure);
        }
        catch (OperationCanceledException)
        {
            return new LegCompletion(LegCompletionKind.Cancelled);
        }
    }

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool TryUpdateSession(ModelSessionRequest request, string eventId)
    {
        _sessionUpdate.TrySetResult(eventId);
        return Record($"session.update:{request.Voice}");
    }

    public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio) => Record("append:" + Encoding.ASCII.GetString(base64Audio));

    public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) => Record($"truncate:{itemId}:{audioEndMs}");

    public bool TryCancelResponse() => Record("cancel");

    public bool TryCreateResponse(string? instructions) => Record("response.create");

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _closed.TrySetResult(status);
        _inbound.Writer.TryComplete();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private bool Record(string message)
    {
        lock (Sent)
        {
            Sent.Add(message);
        }

        return AcceptSends;
    }
}

internal sealed class InMemoryModelConnector : IModelConnector
{
    private readonly Channel<InMemoryModelLeg> _legs = Channel.CreateUnbounded<InMemoryModelLeg>();

    public Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken)
    {
        var leg = new InMemoryModelLeg();
        _legs.Writer.TryWrite(leg);
        return Task.FromResult<IModelLeg>(leg);
    }

    public ValueTask<InMemoryModelLeg> NextLegAsync(CancellationToken cancellationToken) => _legs.Reader.ReadAsync(cancellationToken);
}
