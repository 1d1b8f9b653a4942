using System.Net.WebSockets;
using System.Threading.Channels;
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
