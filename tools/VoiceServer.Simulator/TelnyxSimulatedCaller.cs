using System.Diagnostics;
using VoiceServer.TelnyxEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Telnyx's caller: <see cref="FakeTelnyxCaller"/> with marks held until the <see cref="PlaybackQueue"/> says their
/// audio played; on <c>clear</c> the fake returns the pending ones at once, as Telnyx does.
/// </summary>
internal sealed class TelnyxSimulatedCaller : ProviderSimulatedCaller<FakeTelnyxCaller>, ISimulatedCaller
{
    private TelnyxSimulatedCaller(FakeTelnyxCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
        : base(caller, events, connectDuration) =>
        caller.FrameReceived = OnFrame;

    public string Ids => $"stream_id {Caller.StreamId}, call_control_id {Caller.CallControlId}";

    public byte[] ReceivedAudio => Caller.ReceivedAudio;

    public int ClearCount => Caller.ClearCount;

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
        await Caller.SendConnectedAsync(cancellationToken);
        return true;
    }

    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken) =>
        Caller.SendStartAsync(customParameters, cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => Caller.SendAudioAsync(frame, cancellationToken);

    public async Task<bool> SendStopAsync(CancellationToken cancellationToken)
    {
        await Caller.SendStopAsync(cancellationToken);
        return true;
    }

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = Playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        var names = Caller.PendingMarks.Take(due).ToList();
        await Caller.AckPendingMarksAsync(due, cancellationToken);
        OnMarksPlayed(names);
    }

    public Task CloseAsync(CancellationToken cancellationToken) => Caller.CloseAsync(cancellationToken);


    private void OnFrame(TelnyxReceivedFrame frame)
    {
        switch (frame.Event)
        {
            case "media":
                Playback.OnAudio(Convert.FromBase64String(frame.Payload!).Length);
                Events.AudioReceived();
                break;
            case "mark":
                OnMarkReceived();
                break;
            case "clear":
                // "Queued marks are sent back": the fake has just returned them.
                OnMarksFlushed(Playback.OnClear());
                Events.ClearReceived();
                break;
            default:
                break;
        }
    }
}
