using System.Threading.Channels;
using VoiceServer.Legs;

namespace VoiceServer.Core.Tests.Calls;

internal sealed class InMemoryModelConnector : IModelConnector
{
    private readonly Channel<InMemoryModelLeg> _legs = Channel.CreateUnbounded<InMemoryModelLeg>();
    private readonly Channel<int> _attempts = Channel.CreateUnbounded<int>();
    private int _attemptCount;

    /// <summary>When set, connections are refused with this HTTP status, as the provider refuses an upgrade.</summary>
    public int? RefuseWithStatus { get; set; }

    /// <summary>How many connections were attempted, refused or not.</summary>
    public int ConnectCount => Volatile.Read(ref _attemptCount);

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
