using System.Net.WebSockets;
using System.Text;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

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
