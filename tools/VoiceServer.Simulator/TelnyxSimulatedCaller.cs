using System.Diagnostics;
using System.Net.WebSockets;
using VoiceServer.TelnyxEmulator;
using VoiceServer.TwilioEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Telnyx's caller: <see cref="FakeTelnyxCaller"/> with marks held until the <see cref="PlaybackQueue"/> says their
/// audio played; on <c>clear</c> the fake returns the pending ones at once, as Telnyx does.
/// </summary>
internal sealed class TelnyxSimulatedCaller : ISimulatedCaller
{
    private readonly FakeTelnyxCaller _caller;
    private readonly ISimulatedCallEvents _events;
    private readonly PlaybackQueue _playback = new();
    private readonly long _upgradedAt = Stopwatch.GetTimestamp();
    private int _marksReceived;
    private int _marksReturned;

    private TelnyxSimulatedCaller(FakeTelnyxCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
    {
        _caller = caller;
        _events = events;
        ConnectDuration = connectDuration;
        caller.FrameReceived = OnFrame;
    }

    public TimeSpan ConnectDuration { get; }

    public WebSocketState State => _caller.State;

    public string Ids => $"stream_id {_caller.StreamId}, call_control_id {_caller.CallControlId}";

    public byte[] ReceivedAudio => _caller.ReceivedAudio;

    public long BufferedAudioBytes => _playback.BufferedBytes;

    public long FlushedAudioBytes => _playback.FlushedBytes;

    public int MarksReceived => Volatile.Read(ref _marksReceived);

    public int MarksReturned => Volatile.Read(ref _marksReturned);

    public int ClearCount => _caller.ClearCount;

    public static async Task<ISimulatedCaller> ConnectAsync(Uri url, SimulatorOptions options, ISimulatedCallEvents events, CancellationToken cancellationToken)
    {
        var headers = options.Origin is { } origin ? new Dictionary<string, string> { ["Origin"] = origin } : [];
        var started = Stopwatch.GetTimestamp();
        var caller = await RefusedUpgrade.ConnectAsync(
            () => FakeTelnyxCaller.ConnectAsync(url, TelnyxMarkMode.Manual, headers, options.CallSid, cancellationToken), url, headers, cancellationToken);
        return new TelnyxSimulatedCaller(caller, events, Stopwatch.GetElapsedTime(started));
    }

    public async Task<bool> SendConnectedAsync(CancellationToken cancellationToken)
    {
        await _caller.SendConnectedAsync(cancellationToken);
        return true;
    }

    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken) =>
        _caller.SendStartAsync(customParameters, cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => _caller.SendAudioAsync(frame, cancellationToken);

    public async Task<bool> SendStopAsync(CancellationToken cancellationToken)
    {
        await _caller.SendStopAsync(cancellationToken);
        return true;
    }

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = _playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        var names = _caller.PendingMarks.Take(due).ToList();
        await _caller.AckPendingMarksAsync(due, cancellationToken);
        foreach (var name in names)
        {
            Interlocked.Increment(ref _marksReturned);
            _events.MarkReturned(new ReturnedMark(name, FlushedByClear: false, Stopwatch.GetElapsedTime(_upgradedAt)));
        }
    }

    public Task CloseAsync(CancellationToken cancellationToken) => _caller.CloseAsync(cancellationToken);

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

    private void OnFrame(TelnyxReceivedFrame frame)
    {
        switch (frame.Event)
        {
            case "media":
                _playback.OnAudio(Convert.FromBase64String(frame.Payload!).Length);
                _events.AudioReceived();
                break;
            case "mark":
                Interlocked.Increment(ref _marksReceived);
                _playback.OnMark();
                break;
            case "clear":
                // "Queued marks are sent back": the fake has just returned them.
                var flushed = _playback.OnClear();
                Interlocked.Add(ref _marksReturned, flushed);
                _events.ClearReceived();
                break;
            default:
                break;
        }
    }
}
