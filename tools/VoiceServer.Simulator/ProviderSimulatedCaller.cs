using System.Diagnostics;
using System.Net.WebSockets;
using VoiceServer.CallerEmulator;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// What Telnyx's, Plivo's and Vonage's callers share: their fake's socket, the <see cref="PlaybackQueue"/> that says
/// when a mark's audio has played, and the counters of marks received and returned. Each provider says how its
/// frames, marks and hang-up look.
/// </summary>
internal abstract class ProviderSimulatedCaller<TCaller>(TCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
    where TCaller : FakeCallerSocket
{
    private readonly long _upgradedAt = Stopwatch.GetTimestamp();
    private int _marksReceived;
    private int _marksReturned;

    public TimeSpan ConnectDuration { get; } = connectDuration;

    public WebSocketState State => Caller.State;

    public long BufferedAudioBytes => Playback.BufferedBytes;

    public long FlushedAudioBytes => Playback.FlushedBytes;

    public int MarksReceived => Volatile.Read(ref _marksReceived);

    public int MarksReturned => Volatile.Read(ref _marksReturned);

    protected TCaller Caller { get; } = caller;

    protected ISimulatedCallEvents Events { get; } = events;

    protected PlaybackQueue Playback { get; } = new();

    public void Abort() => Caller.Abort();

    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken) =>
        Caller.WaitForCloseAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> ReleaseAsync()
    {
        try
        {
            await Caller.DisposeAsync();
            return [];
        }
        catch (InvalidOperationException ex)
        {
            // The fake's protocol violations, seen when it is disposed.
            return [ex.Message];
        }
    }

    /// <summary>A mark (checkpoint, notify) arrived: it is returned once the audio before it has played.</summary>
    protected void OnMarkReceived()
    {
        Interlocked.Increment(ref _marksReceived);
        Playback.OnMark();
    }

    /// <summary>Marks the provider returned at once, unplayed (Telnyx's on <c>clear</c>).</summary>
    protected void OnMarksFlushed(int count) => Interlocked.Add(ref _marksReturned, count);

    /// <summary>Marks returned because their audio played.</summary>
    protected void OnMarksPlayed(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            Interlocked.Increment(ref _marksReturned);
            Events.MarkReturned(new ReturnedMark(name, FlushedByClear: false, Stopwatch.GetElapsedTime(_upgradedAt)));
        }
    }
}
