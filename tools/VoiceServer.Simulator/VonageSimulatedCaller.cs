using System.Buffers.Binary;
using System.Diagnostics;
using VoiceServer.Audio;
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
internal sealed class VonageSimulatedCaller : ProviderSimulatedCaller<FakeVonageCaller>, ISimulatedCaller
{
    // A 640-byte L16 frame at 16 kHz is 20 ms: 160 μ-law bytes at 8 kHz.
    private const int L16BytesPerMuLawByte = 4;

    private short _lastSample;

    private VonageSimulatedCaller(FakeVonageCaller caller, ISimulatedCallEvents events, TimeSpan connectDuration)
        : base(caller, events, connectDuration) =>
        caller.FrameReceived = OnFrame;

    public string Ids => $"CallSid {Caller.CallUuid}";

    public byte[] ReceivedAudio => Narrow(Caller.ReceivedAudio);

    public int ClearCount => Caller.ClearCount;

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
        Caller.SendFirstMessageAsync(customParameters, cancellationToken);

    public Task SendMediaAsync(ReadOnlyMemory<byte> frame, CancellationToken cancellationToken) =>
        Caller.SendAudioAsync(Widen(frame.Span), cancellationToken);

    public Task<bool> SendStopAsync(CancellationToken cancellationToken) => Task.FromResult(false);

    public async Task ReturnPlayedMarksAsync(CancellationToken cancellationToken)
    {
        var due = Playback.TakeDueMarks();
        if (due == 0)
        {
            return;
        }

        await Caller.AckPendingNotifiesAsync(due, cancellationToken);
        OnMarksPlayed(Enumerable.Repeat("notify", due));
    }

    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await Caller.HangUpAsync(cancellationToken);
        await Caller.WaitForCloseAsync(cancellationToken);
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
                Playback.OnAudio(FakeVonageCaller.FrameBytes / L16BytesPerMuLawByte);
                Events.AudioReceived();
                break;
            case "clear":
                // The notifies it flushed are never answered.
                Playback.OnClear();
                Events.ClearReceived();
                break;
            default:
                if (frame.StartsWith("notify:", StringComparison.Ordinal))
                {
                    OnMarkReceived();
                }

                break;
        }
    }
}
