using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.WebSockets;
using VoiceServer.Audio;
using VoiceServer.TwilioEmulator;
using VoiceServer.VonageEmulator;

namespace VoiceServer.Simulator;

/// <summary>
/// Vonage's caller: <see cref="FakeVonageCaller"/>, whose audio is 16 kHz L16 in binary frames. The simulator's
/// 8 kHz μ-law caller audio is widened to 16 kHz (linear interpolation) on the way out, and the agent's audio is
/// narrowed back to 8 kHz μ-law (pairs averaged) for the summary and the recording. Notifies are answered once the
/// <see cref="PlaybackQueue"/> says their audio played; those a <c>clear</c> flushed are never answered. Vonage
/// sends no <c>start</c> and no <c>stop</c>: its first message carries the NCCO headers, and the caller hangs up by
/// closing the socket.
/// </summary>
internal sealed class VonageSimulatedCaller : ISimulatedCaller
{
    // A 640-byte L16 frame at 16 kHz is 20 ms: 160 μ-law bytes at 8 kHz.
    private const int L16BytesPerMuLawByte = 4;

    private readonly FakeVonageCaller _caller;
    private readonly ISimulatedCallEvents _events;
    private readonly PlaybackQueue _playback = new();
    private readonly long _upgradedAt = Stopwatch.GetTimestamp();
    private short _lastSample;
    private int _marksReceived;
    private int _marksReturned;

    private VonageSimulatedCaller(FakeVonageCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
    {
        _caller = caller;
        _events = events;
        ConnectDuration = connectDuration;
        caller.FrameReceived = OnFrame;
    }

    public TimeSpan ConnectDuration { get; }

    public WebSocketState State => _caller.State;

    public string Ids => $"CallSid {_caller.CallUuid}";

    public byte[] ReceivedAudio => Narrow(_caller.ReceivedAudio);

    public long BufferedAudioBytes => _playback.BufferedBytes;

    public long FlushedAudioBytes => _playback.FlushedBytes;

    public int MarksReceived => Volatile.Read(ref _marksReceived);

    public int MarksReturned => Volatile.Read(ref _marksReturned);

    public int ClearCount => _caller.ClearCount;

    /// <summary>With the options' signature secret, the upgrade carries Vonage's HS256 JWT in <c>Authorization</c>.</summary>
    public static async Task<ISimulatedCaller> ConnectAsync(Uri url, SimulatorOptions options, ISimulatedCallEvents events, CancellationToken cancellationToken)
    {
        var headers = Headers(options);
        var started = Stopwatch.GetTimestamp();
        var caller = await RefusedUpgrade.ConnectAsync(
            () => FakeVonageCaller.ConnectAsync(url, VonageNotifyMode.Manual, headers.GetValueOrDefault("Authorization"), options.CallSid, cancellationToken),
            url,
            headers,
            cancellationToken);
        return new VonageSimulatedCaller(caller, events, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The upgrade's headers: Vonage's signed token, made now, when there is a signature secret, and the origin.</summary>
    public static Dictionary<string, string> Headers(SimulatorOptions options)
    {
        var headers = new Dictionary<string, string>();
        if (options.AuthToken is { } secret)
        {
            headers["Authorization"] = "Bearer " + VonageSignedToken.Create(secret, DateTimeOffset.UtcNow);
        }

        if (options.Origin is { } origin)
        {
            headers["Origin"] = origin;
        }

        return headers;
    }

    public Task<bool> SendConnectedAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    /// <summary>The first message: <c>websocket:connected</c>, the content type, <c>CallSid</c> and the parameters as NCCO headers.</summary>
    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken) =>
        _caller.SendFirstMessageAsync(customParameters, cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        _caller.SendAudioAsync(Widen(frame.Span), cancellationToken);

    public Task<bool> SendStopAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = _playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        await _caller.AckPendingNotifiesAsync(due, cancellationToken);
        for (var i = 0; i < due; i++)
        {
            Interlocked.Increment(ref _marksReturned);
            _events.MarkReturned(new ReturnedMark("notify", FlushedByClear: false, Stopwatch.GetElapsedTime(_upgradedAt)));
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

    /// <summary>16 kHz L16 to 8 kHz μ-law: each pair of samples averaged (a gentle low-pass before dropping every other one).</summary>
    private static byte[] Narrow(byte[] l16)
    {
        var result = new byte[l16.Length / L16BytesPerMuLawByte];
        for (var i = 0; i < result.Length; i++)
        {
            var first = BinaryPrimitives.ReadInt16LittleEndian(l16.AsSpan(4 * i));
            var second = BinaryPrimitives.ReadInt16LittleEndian(l16.AsSpan((4 * i) + 2));
            result[i] = MuLaw.Encode((short)((first + second) / 2));
        }

        return result;
    }

    /// <summary>8 kHz μ-law to 16 kHz L16: a sample between each pair, on the line from the previous one (across frames too).</summary>
    private byte[] Widen(ReadOnlySpan<byte> mulaw)
    {
        var result = new byte[mulaw.Length * L16BytesPerMuLawByte];
        for (var i = 0; i < mulaw.Length; i++)
        {
            var sample = MuLaw.Decode(mulaw[i]);
            BinaryPrimitives.WriteInt16LittleEndian(result.AsSpan(4 * i), (short)((_lastSample + sample) / 2));
            BinaryPrimitives.WriteInt16LittleEndian(result.AsSpan((4 * i) + 2), sample);
            _lastSample = sample;
        }

        return result;
    }

    private void OnFrame(string frame)
    {
        switch (frame)
        {
            case "audio":
                _playback.OnAudio(FakeVonageCaller.FrameBytes / L16BytesPerMuLawByte);
                _events.AudioReceived();
                break;
            case "clear":
                // The notifies it flushed are never answered.
                _playback.OnClear();
                _events.ClearReceived();
                break;
            default:
                if (frame.StartsWith("notify:", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _marksReceived);
                    _playback.OnMark();
                }

                break;
        }
    }
}
