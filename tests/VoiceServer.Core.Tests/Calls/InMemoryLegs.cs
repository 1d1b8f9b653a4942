using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using VoiceServer.Calls;
using VoiceServer.Conversation;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

/// <summary>What a leg in memory shares: an inbox of events the test pushes, and a log of what the session sent.</summary>
internal sealed class InMemoryPeer<TEvents>
{
    private readonly Channel<Action<TEvents>> _inbound = Channel.CreateUnbounded<Action<TEvents>>();
    private LegCompletion _completion = new(LegCompletionKind.ClosedByPeer, WebSocketCloseStatus.NormalClosure);

    /// <summary>False makes every send fail, as a full outbound queue does.</summary>
    public bool AcceptSends { get; set; } = true;

    public List<string> Sent { get; } = [];

    public void Push(Action<TEvents> peerEvent) => _inbound.Writer.TryWrite(peerEvent);

    public void Complete() => _inbound.Writer.TryComplete();

    /// <summary>Ends the receive loop, after the events already pushed, the way <paramref name="completion"/> says.</summary>
    public void Complete(LegCompletion completion)
    {
        _completion = completion;
        _inbound.Writer.TryComplete();
    }

    public async Task<LegCompletion> RunAsync(TEvents events, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var peerEvent in _inbound.Reader.ReadAllAsync(cancellationToken))
            {
                peerEvent(events);
            }

            return _completion;
        }
        catch (OperationCanceledException)
        {
            return new LegCompletion(LegCompletionKind.Cancelled);
        }
    }

    public bool Record(string message)
    {
        lock (Sent)
        {
            Sent.Add(message);
        }

        return AcceptSends;
    }
}

/// <summary>A caller leg in memory: the test pushes events in and reads what the session sent.</summary>
internal sealed class InMemoryCallerLeg : ICallerLeg
{
    private readonly InMemoryPeer<ICallerEvents> _peer = new();
    private readonly TaskCompletionSource<(WebSocketCloseStatus Status, string Description)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool AcceptSends
    {
        get => _peer.AcceptSends;
        set => _peer.AcceptSends = value;
    }

    public List<string> Sent => _peer.Sent;

    public Task<(WebSocketCloseStatus Status, string Description)> Closed => _closed.Task;

    public void Push(Action<ICallerEvents> callerEvent) => _peer.Push(callerEvent);

    public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken) => _peer.RunAsync(events, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio) => _peer.Record("media:" + Encoding.ASCII.GetString(base64Audio));

    public bool TrySendMark(ReadOnlySpan<byte> name) => _peer.Record("mark:" + Encoding.ASCII.GetString(name));

    public bool TrySendClear() => _peer.Record("clear");

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken)
    {
        _closed.TrySetResult((status, description));
        _peer.Complete();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

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

    public bool TryUpdateSession(ModelSessionRequest request, string eventId)
    {
        _sessionUpdate.TrySetResult(eventId);
        return _peer.Record($"session.update:{request.Voice}");
    }

    public bool TryAppendAudio(ReadOnlySpan<byte> base64Audio) => _peer.Record("append:" + Encoding.ASCII.GetString(base64Audio));

    public bool TryTruncate(string itemId, int contentIndex, int audioEndMs) => _peer.Record($"truncate:{itemId}:{audioEndMs}");

    public bool TryCancelResponse() => _peer.Record("cancel");

    public bool TryCreateResponse(string? instructions) => _peer.Record("response.create");

    public bool TryAddConversationItem(Speaker speaker, string text) => _peer.Record($"item:{speaker}:{text}");

    public bool TryAddFunctionOutput(string toolCallId, string output) => _peer.Record($"output:{toolCallId}:{output}");

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

internal sealed class InMemoryModelConnector : IModelConnector
{
    private readonly Channel<InMemoryModelLeg> _legs = Channel.CreateUnbounded<InMemoryModelLeg>();
    private readonly Channel<int> _attempts = Channel.CreateUnbounded<int>();
    private int _attemptCount;

    /// <summary>When set, connections are refused with this HTTP status, as the provider refuses an upgrade.</summary>
    public int? RefuseWithStatus { get; set; }

    public Task<IModelLeg> ConnectAsync(ModelConnectRequest request, CancellationToken cancellationToken)
    {
        _attempts.Writer.TryWrite(Interlocked.Increment(ref _attemptCount));
        if (RefuseWithStatus is { } status)
        {
            throw new ModelConnectException($"the model refused the connection with HTTP {status}", status, null);
        }

        var leg = new InMemoryModelLeg();
        _legs.Writer.TryWrite(leg);
        return Task.FromResult<IModelLeg>(leg);
    }

    public ValueTask<InMemoryModelLeg> NextLegAsync(CancellationToken cancellationToken) => _legs.Reader.ReadAsync(cancellationToken);

    /// <summary>The number (1-based) of the next connection attempt, refused or not.</summary>
    public ValueTask<int> NextAttemptAsync(CancellationToken cancellationToken) => _attempts.Reader.ReadAsync(cancellationToken);
}

/// <summary>Runs a call on in-memory legs up to the moment audio flows: start, the model's session confirmed.</summary>
internal static class InMemoryCall
{
    private static readonly Dictionary<string, string> s_parameters = new() { ["agentId"] = "a", ["openAIKey"] = "sk-test" };

    public static async Task<(Task<CallOutcome> Run, InMemoryModelLeg Model)> StartUntilReadyAsync(
        CallSession session, InMemoryCallerLeg caller, InMemoryModelConnector connector, CancellationToken cancellationToken)
    {
        var run = session.RunAsync(new Dictionary<string, string>(), new PlainCallConfigurationResolver(new CallResolutionRules()), CancellationToken.None);
        caller.Push(events => events.OnStart(new CallerStart("MZ1", "CA1", "AC1", "audio/x-mulaw", 8000, 1, s_parameters)));
        var model = await connector.NextLegAsync(cancellationToken);
        await model.SessionUpdate.WaitAsync(cancellationToken);
        model.ConfirmMuLawSession();
        await session.Ready.WaitAsync(cancellationToken);
        return (run, model);
    }
}
