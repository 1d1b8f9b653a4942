using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.CallerEmulator;

namespace VoiceServer.TelnyxEmulator;

/// <summary>
/// Telnyx's side of a bidirectional media stream on a real socket, written from
/// docs/reference/telnyx-media-streaming.md and independent of the production codec: frames are JSON text built by
/// hand and parsed with <see cref="JsonNode"/>. It is strict like the real service: any outbound frame that is not
/// exactly <c>{"event":"media","media":{"payload":…}}</c>, <c>{"event":"mark","mark":{"name":…}}</c> or
/// <c>{"event":"clear"}</c> is a violation, rethrown when the fake is disposed. Marks come back the way Telnyx
/// returns them: after the audio before them played, or at once, or all of them on <c>clear</c>.
/// </summary>
public sealed class FakeTelnyxCaller : FakeCallerSocket
{
    private readonly TelnyxMarkMode _markMode;
    private readonly List<TelnyxReceivedFrame> _frames = [];
    private readonly List<string> _pendingMarks = [];
    private int _sequence;
    private int _chunk;
    private long _timestampMs;
    private int _clears;

    private FakeTelnyxCaller(ClientWebSocket socket, TelnyxMarkMode markMode)
        : base(socket, "Telnyx")
    {
        _markMode = markMode;
        StartReceiving();
    }

    public string StreamId { get; } = Guid.NewGuid().ToString().ToUpperInvariant();

    /// <summary>A Call Control id in Telnyx's shape (<c>v3:</c> + URL-safe base64).</summary>
    public string CallControlId { get; init; } = "v3:" + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Called on the receive loop after each valid frame is recorded (a player, e.g. the simulator's, times its
    /// audio and marks from it); set it before <c>start</c>, since nothing comes before that.
    /// </summary>
    public Action<TelnyxReceivedFrame>? FrameReceived { get; set; }

    public IReadOnlyList<TelnyxReceivedFrame> Frames
    {
        get
        {
            lock (Gate)
            {
                return [.. _frames];
            }
        }
    }

    public IReadOnlyList<string> PendingMarks
    {
        get
        {
            lock (Gate)
            {
                return [.. _pendingMarks];
            }
        }
    }

    public int ClearCount
    {
        get
        {
            lock (Gate)
            {
                return _clears;
            }
        }
    }

    public static async Task<FakeTelnyxCaller> ConnectAsync(
        Uri url,
        TelnyxMarkMode markMode = TelnyxMarkMode.Immediate,
        IReadOnlyDictionary<string, string>? headers = null,
        string? callControlId = null,
        CancellationToken cancellationToken = default)
    {
        var socket = await OpenAsync(url, headers, cancellationToken);
        return callControlId is null ? new FakeTelnyxCaller(socket, markMode) : new FakeTelnyxCaller(socket, markMode) { CallControlId = callControlId };
    }

    public Task SendConnectedAsync(CancellationToken cancellationToken) =>
        SendTextAsync("""{"event":"connected","version":"1.0.0"}""", cancellationToken);

    /// <summary>Telnyx's <c>start</c> (§3.3): the stream id at the top level, the call's facts inside.</summary>
    public Task SendStartAsync(IReadOnlyDictionary<string, string> customParameters, CancellationToken cancellationToken, string encoding = "PCMU", int sampleRate = 8000)
    {
        var parameters = new JsonObject();
        foreach (var (name, value) in customParameters)
        {
            parameters[name] = value;
        }

        var start = new JsonObject
        {
            ["event"] = "start",
            ["sequence_number"] = NextSequence(),
            ["stream_id"] = StreamId,
            ["start"] = new JsonObject
            {
                ["user_id"] = "3E6F995F-85F7-4705-9741-53B116D28237",
                ["call_control_id"] = CallControlId,
                ["call_session_id"] = Guid.NewGuid().ToString(),
                ["from"] = "+13122010094",
                ["to"] = "+13122123456",
                ["tags"] = new JsonArray(),
                ["client_state"] = "aGF2ZSBhIG5pY2UgZGF5ID1d",
                ["custom_parameters"] = parameters,
                ["media_format"] = new JsonObject { ["encoding"] = encoding, ["sample_rate"] = sampleRate, ["channels"] = 1 },
            },
        };
        return SendTextAsync(start.ToJsonString(), cancellationToken);
    }

    /// <summary>Caller audio in 20 ms frames (160 bytes of μ-law), each a <c>media</c> frame with string counters.</summary>
    public async Task SendAudioAsync(ReadOnlyMemory<byte> mulaw, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < mulaw.Length; offset += 160)
        {
            var frame = mulaw.Slice(offset, Math.Min(160, mulaw.Length - offset));
            var chunk = Interlocked.Increment(ref _chunk).ToString(CultureInfo.InvariantCulture);
            var timestamp = _timestampMs.ToString(CultureInfo.InvariantCulture);
            _timestampMs += 20;
            var media = new JsonObject
            {
                ["event"] = "media",
                ["sequence_number"] = NextSequence(),
                ["stream_id"] = StreamId,
                ["media"] = new JsonObject { ["track"] = "inbound", ["chunk"] = chunk, ["timestamp"] = timestamp, ["payload"] = Convert.ToBase64String(frame.Span) },
            };
            await SendTextAsync(media.ToJsonString(), cancellationToken);
        }
    }

    public Task SendDtmfAsync(char digit, CancellationToken cancellationToken) =>
        SendEventAsync("dtmf", new JsonObject { ["digit"] = digit.ToString() }, cancellationToken);

    /// <summary>A stream error as Telnyx reports it on the socket (§3.5): details under <c>payload</c>.</summary>
    public Task SendErrorAsync(int code, string title, CancellationToken cancellationToken) =>
        SendEventAsync("payload", new JsonObject { ["code"] = code, ["title"] = title, ["detail"] = "x" }, cancellationToken, eventName: "error");

    public Task SendStopAsync(CancellationToken cancellationToken) =>
        SendEventAsync("stop", new JsonObject { ["user_id"] = "3E6F995F-85F7-4705-9741-53B116D28237", ["call_control_id"] = CallControlId }, cancellationToken);

    /// <summary>The caller hangs up after <c>stop</c>: Telnyx closes the socket; then the server's close is awaited.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        await CloseOutputAsync("call ended", cancellationToken);
        await WaitForCloseAsync(cancellationToken);
    }

    /// <summary>Returns the oldest <paramref name="count"/> pending marks: the audio before them played.</summary>
    public async Task AckPendingMarksAsync(int count, CancellationToken cancellationToken)
    {
        List<string> marks;
        lock (Gate)
        {
            marks = _pendingMarks.Take(count).ToList();
            _pendingMarks.RemoveRange(0, marks.Count);
        }

        foreach (var mark in marks)
        {
            await SendMarkAsync(mark, cancellationToken);
        }
    }

    public Task WaitForPendingMarksAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => _pendingMarks.Count >= count, cancellationToken);

    public Task WaitForClearAsync(CancellationToken cancellationToken) => WaitAsync(() => _clears > 0, cancellationToken);

    public Task WaitForFramesAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => _frames.Count >= count, cancellationToken);

    /// <summary>A frame with the common top-level fields and one body object.</summary>
    private Task SendEventAsync(string bodyName, JsonObject body, CancellationToken cancellationToken, string? eventName = null) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = eventName ?? bodyName,
            ["sequence_number"] = NextSequence(),
            ["stream_id"] = StreamId,
            [bodyName] = body,
        }.ToJsonString(), cancellationToken);

    private string NextSequence() => Interlocked.Increment(ref _sequence).ToString(CultureInfo.InvariantCulture);

    private Task SendMarkAsync(string name, CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "mark",
            ["sequence_number"] = NextSequence(),
            ["stream_id"] = StreamId,
            ["mark"] = new JsonObject { ["name"] = name },
        }.ToJsonString(), cancellationToken);

    protected override async Task OnTextAsync(string text)
    {
        if (ParseObject(text) is not { } frame)
        {
            return;
        }

        var kind = (string?)frame["event"];
        string? markToReturn = null;
        List<string> flushed = [];
        TelnyxReceivedFrame? received = null;
        lock (Gate)
        {
            switch (kind)
            {
                case "media" when HasExactly(frame, "event", "media") && frame["media"] is JsonObject media && HasExactly(media, "payload"):
                    var payload = (string)media["payload"]!;
                    var bytes = Convert.FromBase64String(payload);
                    if (bytes.Length == 0)
                    {
                        Violation("an empty media payload");
                    }

                    ReceivedAudioStream.Write(bytes);
                    received = new TelnyxReceivedFrame("media", payload, null);
                    _frames.Add(received);
                    break;
                case "mark" when HasExactly(frame, "event", "mark") && frame["mark"] is JsonObject mark && HasExactly(mark, "name"):
                    var name = (string)mark["name"]!;
                    received = new TelnyxReceivedFrame("mark", null, name);
                    _frames.Add(received);
                    if (_markMode == TelnyxMarkMode.Immediate)
                    {
                        markToReturn = name;
                    }
                    else
                    {
                        _pendingMarks.Add(name);
                    }

                    break;
                case "clear" when HasExactly(frame, "event"):
                    // "Stops the current media playback and clears queued media. Queued marks are sent back."
                    _clears++;
                    received = new TelnyxReceivedFrame("clear", null, null);
                    _frames.Add(received);
                    flushed.AddRange(_pendingMarks);
                    _pendingMarks.Clear();
                    break;
                default:
                    Violation($"a frame Telnyx does not accept: {text}");
                    break;
            }

            WakeWaiters();
        }

        if (received is not null && FrameReceived is { } frameReceived)
        {
            frameReceived(received);
        }

        if (markToReturn is not null)
        {
            flushed.Add(markToReturn);
        }

        foreach (var name in flushed)
        {
            try
            {
                await SendMarkAsync(name, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
