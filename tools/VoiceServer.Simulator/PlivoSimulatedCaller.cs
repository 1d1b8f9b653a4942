using System.Diagnostics;
using VoiceServer.PlivoEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Plivo's caller: <see cref="FakePlivoCaller"/> with checkpoints answered (<c>playedStream</c>) once the
/// <see cref="PlaybackQueue"/> says their audio played; those a <c>clearAudio</c> flushed are never answered, as
/// Plivo does. Plivo sends no <c>connected</c> and no <c>stop</c>: the caller hangs up by closing the socket.
/// </summary>
internal sealed class PlivoSimulatedCaller : ProviderSimulatedCaller<FakePlivoCaller>, ISimulatedCaller
{
    private PlivoSimulatedCaller(FakePlivoCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
        : base(caller, events, connectDuration) =>
        caller.FrameReceived = OnFrame;

    public string Ids => $"streamId {Caller.StreamId}, callId {Caller.CallId}";

    public byte[] ReceivedAudio => Caller.ReceivedAudio;

    public int ClearCount => Caller.ClearAudioCount;

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
        Caller.SendStartAsync(cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) => Caller.SendAudioAsync(frame, cancellationToken);

    public Task<bool> SendStopAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = Playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        var names = Caller.PendingCheckpoints.Take(due).ToList();
        await Caller.AckPendingCheckpointsAsync(due, cancellationToken);
        OnMarksPlayed(names);
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await Caller.HangUpAsync(cancellationToken);
        await Caller.WaitForCloseAsync(cancellationToken);
    }

    private void OnFrame(PlivoReceivedFrame frame)
    {
        switch (frame.Event)
        {
            case "playAudio":
                Playback.OnAudio(Convert.FromBase64String(frame.Payload!).Length);
                Events.AudioReceived();
                break;
            case "checkpoint":
                OnMarkReceived();
                break;
            case "clearAudio":
                // The checkpoints it flushed are never answered.
                Playback.OnClear();
                Events.ClearReceived();
                break;
            default:
                break;
        }
    }
}
