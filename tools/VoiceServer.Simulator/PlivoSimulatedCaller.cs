using System.Diagnostics;
using System.Net.WebSockets;
using VoiceServer.PlivoEmulator;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Plivo's caller: <see cref="FakePlivoCaller"/> with checkpoints answered (<c>playedStream</c>) once the
/// <see cref="PlaybackQueue"/> says their audio played; those a <c>clearAudio</c> flushed are never answered, as
/// Plivo does. Plivo sends no <c>connected</c> and no <c>stop</c>: the caller hangs up by closing the socket.
/// </summary>
internal sealed class PlivoSimulatedCaller : ISimulatedCaller
{
    private readonly FakePlivoCaller _caller;
    private readonly ISimulatedCallEvents _events;
    private readonly PlaybackQueue _playback = new();
    private readonly long _upgradedAt = Stopwatch.GetTimestamp();
    private int _marksReceived;
    private int _marksReturned;

    private PlivoSimulatedCaller(FakePlivoCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
    {
        _caller = caller;
        _events = events;
        ConnectDuration = connectDuration;
        caller.FrameReceived = OnFrame;
    }

    public TimeSpan ConnectDuration { get; }

    public WebSocketState State => _caller.State;

    public string Ids => $"streamId {_caller.StreamId}, callId {_caller.CallId}";

    public byte[] ReceivedAudio => _caller.ReceivedAudio;

    public long BufferedAudioBytes => _playback.BufferedBytes;

    public long FlushedAudioBytes => _playback.FlushedBytes;

    public int MarksReceived => Volatile.Read(ref _marksReceived);

    public int MarksReturned => Volatile.Read(ref _marksReturned);

    public int ClearCount => _caller.ClearAudioCount;

    /// <summary>Signed with <c>X-Plivo-Signature-V3</c> when the options carry an Auth Token.</summary>
    public static async Task<ISimulatedCaller> ConnectAsync(Uri url, SimulatorOptions options, ISimulatedCallEvents events, CancellationToken cancellationToken)
    {
        var headers = Headers(url, options);
        var started = Stopwatch.GetTimestamp();
        var caller = await RefusedUpgrade.ConnectAsync(
            () => FakePlivoCaller.ConnectAsync(url, PlivoCheckpointMode.Manual, headers, options.CallSid, cancellationToken), url, headers, cancellationToken);
        return new PlivoSimulatedCaller(caller, events, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The upgrade's headers: the origin, and Plivo's signature over the URL with its query (what Plivo signs).</summary>
    public static Dictionary<string, string> Headers(Uri url, SimulatorOptions options)
    {
        var headers = options.AuthToken is { } token ? PlivoUpgradeSignature.Headers(token, SignedUrl(url, options)) : [];
        if (options.Origin is { } origin)
        {
            headers["Origin"] = origin;
        }

        return headers;
    }

    /// <summary>
    /// What Plivo signs: the stream URL as the XML writes it (<c>--signed-url</c>, without a query; by default the URL
    /// connected to) with the query actually sent, the parameters included.
    /// </summary>
    public static string SignedUrl(Uri url, SimulatorOptions options) => options.SignedUrl is { } signed ? signed + url.Query : url.AbsoluteUri;

    public Task<bool> SendConnectedAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    // Plivo has no custom parameters in start: the configuration travels in the URL's query.
    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken) =>
        _caller.SendStartAsync(cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => _caller.SendAudioAsync(frame, cancellationToken);

    public Task<bool> SendStopAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = _playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        var names = _caller.PendingCheckpoints.Take(due).ToList();
        await _caller.AckPendingCheckpointsAsync(due, cancellationToken);
        foreach (var name in names)
        {
            Interlocked.Increment(ref _marksReturned);
            _events.MarkReturned(new ReturnedMark(name, FlushedByClear: false, Stopwatch.GetElapsedTime(_upgradedAt)));
        }
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await _caller.HangUpAsync(cancellationToken);
        await _caller.WaitForCloseAsync(cancellationToken);
    }

    public void Abort() => _caller.Abort();

    public Task<(WebSocketCloseStatus? Status, string? Description)> WaitForCloseAsync(CancellationToken cancellationToken) =>
        _caller.WaitForCloseAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> ReleaseAsync()
    {
        try
        {
            await _caller.DisposeAsync();
            return [];
        }
        catch (InvalidOperationException ex)
        {
            return [ex.Message];
        }
    }

    private void OnFrame(PlivoReceivedFrame frame)
    {
        switch (frame.Event)
        {
            case "playAudio":
                _playback.OnAudio(Convert.FromBase64String(frame.Payload!).Length);
                _events.AudioReceived();
                break;
            case "checkpoint":
                Interlocked.Increment(ref _marksReceived);
                _playback.OnMark();
                break;
            case "clearAudio":
                // The checkpoints it flushed are never answered.
                _playback.OnClear();
                _events.ClearReceived();
                break;
            default:
                break;
        }
    }
}
