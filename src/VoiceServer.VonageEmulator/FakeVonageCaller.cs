using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using VoiceServer.CallerEmulator;

namespace VoiceServer.VonageEmulator;

/// <summary>
/// Vonage's side of a Voice API WebSocket on a real socket, written from docs/reference/vonage-voice-websockets.md and
/// independent of the production codec: the first message and the events are JSON text built by hand, audio is
/// binary 16-bit little-endian PCM at 16 kHz in 640-byte (20 ms) frames. It is strict like the real service: an
/// outbound binary frame that is not 640 bytes, or a text frame that is not exactly <c>{"action":"notify","payload":{…}}</c>
/// or <c>{"action":"clear"}</c>, is a violation, rethrown when the fake is disposed. Notifies come back as
/// <c>websocket:notify</c> with their payload, at once or when the test says the audio played; a <c>clear</c> is
/// answered with <c>websocket:cleared</c> and the notifies it flushed never come back (whether Vonage returns them is
/// unconfirmed, §3.4: the fake takes the stricter view). The caller hanging up closes the socket.
/// </summary>
public sealed class FakeVonageCaller : FakeCallerSocket
{
    /// <summary>20 ms at 16 kHz, two bytes a sample.</summary>
    public const int FrameBytes = 640;

    private readonly VonageNotifyMode _notifyMode;
    private readonly List<string> _frames = [];
    private readonly List<JsonObject> _pendingNotifies = [];
    private int _clears;

    private FakeVonageCaller(ClientWebSocket socket, VonageNotifyMode notifyMode)
        : base(socket, "Vonage")
    {
        _notifyMode = notifyMode;
        StartReceiving();
    }

    /// <summary>The call's uuid, which the main app puts in the NCCO <c>headers</c> as <c>CallSid</c>.</summary>
    public string CallUuid { get; init; } = Guid.NewGuid().ToString();

    /// <summary>
    /// Called on the receive loop after each valid frame is recorded, with its entry in <see cref="Frames"/> (a player,
    /// e.g. the simulator's, times its audio and notifies from it); set it before the first message.
    /// </summary>
    public Action<string>? FrameReceived { get; set; }

    /// <summary>What arrived, in order: <c>audio</c>, <c>notify:{mark}</c> or <c>clear</c>.</summary>
    public IReadOnlyList<string> Frames
    {
        get
        {
            lock (Gate)
            {
                return [.. _frames];
            }
        }
    }

    public int PendingNotifyCount
    {
        get
        {
            lock (Gate)
            {
                return _pendingNotifies.Count;
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

    /// <param name="url">The NCCO endpoint's <c>uri</c>.</param>
    /// <param name="notifyMode">When notifies come back.</param>
    /// <param name="authorization">The upgrade's <c>Authorization</c> header, as the endpoint's <c>authorization</c> sets it.</param>
    /// <param name="callUuid">The call's uuid; a new one when null.</param>
    /// <param name="cancellationToken">Bounds the connection.</param>
    public static async Task<FakeVonageCaller> ConnectAsync(
        Uri url,
        VonageNotifyMode notifyMode = VonageNotifyMode.Immediate,
        string? authorization = null,
        string? callUuid = null,
        CancellationToken cancellationToken = default)
    {
        var socket = await OpenAsync(url, Authorization(authorization), cancellationToken);
        return callUuid is null ? new FakeVonageCaller(socket, notifyMode) : new FakeVonageCaller(socket, notifyMode) { CallUuid = callUuid };
    }

    /// <summary>The status of an upgrade attempt: null when it was accepted (the socket is then closed at once).</summary>
    public static Task<HttpStatusCode?> TryConnectForStatusAsync(Uri url, string? authorization, CancellationToken cancellationToken) =>
        TryConnectForStatusAsync(url, Authorization(authorization), cancellationToken);

    /// <summary>
    /// The first message (§3.1): <c>websocket:connected</c>, the content type, <c>CallSid</c> and the NCCO
    /// <paramref name="headers"/>, all at the top level.
    /// </summary>
    public Task SendFirstMessageAsync(IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken, string contentType = "audio/l16;rate=16000")
    {
        var message = new JsonObject
        {
            ["event"] = "websocket:connected",
            ["content-type"] = contentType,
            ["CallSid"] = CallUuid,
        };
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            message[name] = value;
        }

        return SendTextAsync(message.ToJsonString(), cancellationToken);
    }

    /// <summary>Caller audio, 16 kHz L16, as 640-byte binary frames (the last one shorter if it must be).</summary>
    public async Task SendAudioAsync(ReadOnlyMemory<byte> pcm16, CancellationToken cancellationToken)
    {
        for (var offset = 0; offset < pcm16.Length; offset += FrameBytes)
        {
            await SendBinaryAsync(pcm16.Slice(offset, Math.Min(FrameBytes, pcm16.Length - offset)), cancellationToken);
        }
    }

    /// <summary><c>websocket:dtmf</c>: the flat shape, or the nested one some implementations read (§3.5).</summary>
    public Task SendDtmfAsync(char digit, CancellationToken cancellationToken, bool nested = false) =>
        SendTextAsync(
            nested
                ? new JsonObject { ["event"] = "websocket:dtmf", ["dtmf"] = new JsonObject { ["digit"] = digit.ToString(), ["duration"] = 260 } }.ToJsonString()
                : new JsonObject { ["event"] = "websocket:dtmf", ["digit"] = digit.ToString(), ["duration"] = 260 }.ToJsonString(),
            cancellationToken);

    /// <summary>The caller hangs up: Vonage closes the socket.</summary>
    public Task HangUpAsync(CancellationToken cancellationToken) => CloseOutputAsync(string.Empty, cancellationToken);

    /// <summary>Answers the oldest <paramref name="count"/> pending notifies: the audio before them played.</summary>
    public async Task AckPendingNotifiesAsync(int count, CancellationToken cancellationToken)
    {
        List<JsonObject> notifies;
        lock (Gate)
        {
            notifies = _pendingNotifies.Take(count).ToList();
            _pendingNotifies.RemoveRange(0, notifies.Count);
        }

        foreach (var payload in notifies)
        {
            await SendNotifyAsync(payload, cancellationToken);
        }
    }

    public Task WaitForPendingNotifiesAsync(int count, CancellationToken cancellationToken) => WaitAsync(() => _pendingNotifies.Count >= count, cancellationToken);

    public Task WaitForClearAsync(CancellationToken cancellationToken) => WaitAsync(() => _clears > 0, cancellationToken);

    private Task SendNotifyAsync(JsonObject payload, CancellationToken cancellationToken) =>
        SendTextAsync(new JsonObject { ["event"] = "websocket:notify", ["payload"] = payload }.ToJsonString(), cancellationToken);

    protected override void OnBinary(byte[] frame)
    {
        lock (Gate)
        {
            if (frame.Length != FrameBytes)
            {
                Violation($"a binary frame of {frame.Length} bytes: Vonage takes 20 ms frames of {FrameBytes}");
            }

            ReceivedAudioStream.Write(frame);
            _frames.Add("audio");
            WakeWaiters();
        }

        FrameReceived?.Invoke("audio");
    }

    protected override async Task OnTextAsync(string text)
    {
        if (ParseObject(text) is not { } command)
        {
            return;
        }

        JsonObject? played = null;
        var cleared = false;
        string? received = null;
        lock (Gate)
        {
            switch ((string?)command["action"])
            {
                case "notify" when command.Count == 2 && command["payload"] is JsonObject payload:
                    received = $"notify:{(string?)payload["mark"]}";
                    _frames.Add(received);
                    if (_notifyMode == VonageNotifyMode.Immediate)
                    {
                        played = (JsonObject)payload.DeepClone();
                    }
                    else
                    {
                        _pendingNotifies.Add((JsonObject)payload.DeepClone());
                    }

                    break;
                case "clear" when command.Count == 1:
                    // Queued audio is dropped, and with it the notifies among it (the fake's reading of §3.4).
                    _clears++;
                    received = "clear";
                    _frames.Add(received);
                    _pendingNotifies.Clear();
                    cleared = true;
                    break;
                default:
                    Violation($"a command Vonage does not accept: {text}");
                    break;
            }

            WakeWaiters();
        }

        if (received is not null)
        {
            FrameReceived?.Invoke(received);
        }

        try
        {
            if (played is not null)
            {
                await SendNotifyAsync(played, CancellationToken.None);
            }

            if (cleared)
            {
                await SendTextAsync("""{"event":"websocket:cleared"}""", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
        }
    }

    private static Dictionary<string, string>? Authorization(string? authorization) =>
        authorization is null ? null : new() { ["Authorization"] = authorization };
}
