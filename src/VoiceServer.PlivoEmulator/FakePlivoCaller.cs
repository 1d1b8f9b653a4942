using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.CallerEmulator;

namespace VoiceServer.PlivoEmulator;

/// <summary>
/// Plivo's side of a bidirectional audio stream on a real socket, written from docs/reference/plivo-audio-streams.md
/// and independent of the production codec: frames are JSON text built by hand and parsed with
/// <see cref="JsonNode"/>. It is strict like the real service: any outbound frame that is not exactly
/// <c>playAudio</c> (μ-law 8000), <c>checkpoint</c> or <c>clearAudio</c> naming this stream is a violation,
/// rethrown when the fake is disposed. Checkpoints come back as <c>playedStream</c> after the audio before them
/// played, or at once; a <c>clearAudio</c> is answered with <c>clearedAudio</c> and the checkpoints it flushed never
/// come back (§3.5). Plivo sends no <c>connected</c> and ends a stream by closing the socket (§3.7).
/// </summary>
public sealed class FakePlivoCaller : FakeCallerSocket
{
    private readonly PlivoCheckpointMode _checkpointMode;
    private readonly List<PlivoReceivedFrame> _frames = [];
    private readonly List<string> _pendingMarks = [];
    private int _sequence;
    private int _chunk;
    private long _timestampMs;
    private int _clears;

    private FakePlivoCaller(ClientWebSocket socket, PlivoCheckpointMode checkpointMode)
        : base(socket, "Plivo")
    {
        _checkpointMode = checkpointMode;
        StartReceiving();
    }

    public string StreamId { get; } = Guid.NewGuid().ToString();

    /// <summary>The call's <c>CallUUID</c>, the id Plivo's REST API takes.</summary>
    public string CallId { get; init; } = Guid.NewGuid().ToString();

    /// <summary><c>extraHeaders</c> as the XML set them; repeated on every media and dtmf frame (§2.3).</summary>
    public string ExtraHeaders { get; init; } = string.Empty;

    /// <summary>
    /// Called on the receive loop after each valid frame is recorded (a player, e.g. the simulator's, times its
    /// audio and checkpoints from it); set it before <c>start</c>, since nothing comes before that.
    /// </summary>
    public Action<PlivoReceivedFrame>? FrameReceived { get; set; }

    public IReadOnlyList<PlivoReceivedFrame> Frames
    {
        get
        {
            lock (Gate)
            {
                return [.. _frames];
            }
        }
    }

    public IReadOnlyList<string> PendingCheckpoints
    {
        get
        {
            lock (Gate)
            {
                return [.. _pendingMarks];
            }
        }
    }

    public int ClearAudioCount
    {
        get
        {
            lock (Gate)
            {
                return _clears;
            }
        }
    }

    public static async Task<FakePlivoCaller> ConnectAsync(
        Uri url,
        PlivoCheckpointMode checkpointMode = PlivoCheckpointMode.Immediate,
        IReadOnlyDictionary<string, string>? headers = null,
        string? callId = null,
        CancellationToken cancellationToken = default)
    {
        var socket = await OpenAsync(url, headers, cancellationToken);
        return callId is null ? new FakePlivoCaller(socket, checkpointMode) : new FakePlivoCaller(socket, checkpointMode) { CallId = callId };
    }

    /// <summary>Plivo's <c>start</c> (§3.2): the ids inside <c>start</c>, <c>extra_headers</c> at the top level.</summary>
    public Task SendStartAsync(CancellationToken cancellationToken, string encoding = "audio/x-mulaw", int sampleRate = 8000) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "start",
            ["sequenceNumber"] = NextSequence(),
            ["start"] = new JsonObject
            {
                ["callId"] = CallId,
                ["streamId"] = StreamId,
                ["accountId"] = "MAXXXXXXXXXXXXXXXXXX",
                ["tracks"] = new JsonArray("inbound"),
                ["mediaFormat"] = new JsonObject { ["encoding"] = encoding, ["sampleRate"] = sampleRate },
            },
            ["extra_headers"] = ExtraHeaders,
        }.ToJsonString(), cancellationToken);

    /// <summary>Caller audio in 20 ms frames (160 bytes of μ-law): <c>chunk</c> a number, <c>timestamp</c> a string (§3.3).</summary>
    public async Task SendAudioAsync(ReadOnlyMemory<byte> mulaw, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < mulaw.Length; offset += 160)
        {
            var frame = mulaw.Slice(offset, Math.Min(160, mulaw.Length - offset));
            var chunk = Interlocked.Increment(ref _chunk);
            var timestamp = _timestampMs.ToString(CultureInfo.InvariantCulture);
            _timestampMs += 20;
            var media = new JsonObject
            {
                ["event"] = "media",
                ["sequenceNumber"] = NextSequence(),
                ["streamId"] = StreamId,
                ["media"] = new JsonObject { ["track"] = "inbound", ["timestamp"] = timestamp, ["chunk"] = chunk, ["payload"] = Convert.ToBase64String(frame.Span) },
                ["extra_headers"] = ExtraHeaders,
            };
            await SendTextAsync(media.ToJsonString(), cancellationToken);
        }
    }

    public Task SendDtmfAsync(char digit, CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "dtmf",
            ["sequenceNumber"] = NextSequence(),
            ["streamId"] = StreamId,
            ["dtmf"] = new JsonObject { ["track"] = "inbound", ["digit"] = digit.ToString(), ["timestamp"] = _timestampMs.ToString(CultureInfo.InvariantCulture) },
            ["extra_headers"] = ExtraHeaders,
        }.ToJsonString(), cancellationToken);

    /// <summary>The <c>stop</c> Plivo's Java stream SDK maps (§3.7); Plivo's own list has none.</summary>
    public Task SendStopAsync(CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "stop",
            ["sequenceNumber"] = NextSequence(),
            ["streamId"] = StreamId,
            ["stop"] = new JsonObject { ["callId"] = CallId, ["reason"] = "hangup" },
        }.ToJsonString(), cancellationToken);

    /// <summary>The caller hangs up: Plivo closes the socket, with no message before (§3.7).</summary>
    public Task HangUpAsync(CancellationToken cancellationToken) => CloseOutputAsync(string.Empty, cancellationToken);

    /// <summary>Answers the oldest <paramref name="count"/> pending checkpoints: the audio before them played.</summary>
    public async Task AckPendingCheckpointsAsync(int count, CancellationToken cancellationToken)
    {
        List<string> marks;
        lock (Gate)
        {
            marks = _pendingMarks.Take(count).ToList();
            _pendingMarks.RemoveRange(0, marks.Count);
        }

        foreach (var mark in marks)
        {
            await SendPlayedStreamAsync(mark, cancellationToken);
        }
    }

    public Task WaitForPendingCheckpointsAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => _pendingMarks.Count >= count, cancellationToken);

    public Task WaitForClearAudioAsync(CancellationToken cancellationToken) => WaitAsync(() => _clears > 0, cancellationToken);

    public Task WaitForFramesAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => _frames.Count >= count, cancellationToken);

    private int NextSequence() => Interlocked.Increment(ref _sequence);

    private Task SendPlayedStreamAsync(string name, CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "playedStream",
            ["sequenceNumber"] = NextSequence(),
            ["streamId"] = StreamId,
            ["name"] = name,
        }.ToJsonString(), cancellationToken);

    private Task SendClearedAudioAsync(CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "clearedAudio",
            ["sequenceNumber"] = NextSequence(),
            ["streamId"] = StreamId,
        }.ToJsonString(), cancellationToken);

    protected override async Task OnTextAsync(string text)
    {
        if (ParseObject(text) is not { } frame)
        {
            return;
        }

        var kind = (string?)frame["event"];
        string? played = null;
        var cleared = false;
        PlivoReceivedFrame? received = null;
        lock (Gate)
        {
            switch (kind)
            {
                case "playAudio" when HasExactly(frame, "event", "media") && frame["media"] is JsonObject media && HasExactly(media, "contentType", "sampleRate", "payload") &&
                    (string?)media["contentType"] == "audio/x-mulaw" && media["sampleRate"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number && (int)media["sampleRate"]! == 8000:
                    var payload = (string)media["payload"]!;
                    var bytes = Convert.FromBase64String(payload);
                    if (bytes.Length == 0)
                    {
                        Violation("an empty playAudio payload");
                    }

                    ReceivedAudioStream.Write(bytes);
                    received = new PlivoReceivedFrame("playAudio", payload, null);
                    _frames.Add(received);
                    break;
                case "checkpoint" when HasExactly(frame, "event", "streamId", "name") && (string?)frame["streamId"] == StreamId:
                    var name = (string)frame["name"]!;
                    received = new PlivoReceivedFrame("checkpoint", null, name);
                    _frames.Add(received);
                    if (_checkpointMode == PlivoCheckpointMode.Immediate)
                    {
                        played = name;
                    }
                    else
                    {
                        _pendingMarks.Add(name);
                    }

                    break;
                case "clearAudio" when HasExactly(frame, "event", "streamId") && (string?)frame["streamId"] == StreamId:
                    // "Plivo clears all buffered media events": the checkpoints among them are dropped, not answered.
                    _clears++;
                    received = new PlivoReceivedFrame("clearAudio", null, null);
                    _frames.Add(received);
                    _pendingMarks.Clear();
                    cleared = true;
                    break;
                default:
                    Violation($"a frame Plivo does not accept: {text}");
                    break;
            }

            WakeWaiters();
        }

        if (received is not null && FrameReceived is { } frameReceived)
        {
            frameReceived(received);
        }

        try
        {
            if (played is not null)
            {
                await SendPlayedStreamAsync(played, CancellationToken.None);
            }

            if (cleared)
            {
                await SendClearedAudioAsync(CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
        }
    }
}
