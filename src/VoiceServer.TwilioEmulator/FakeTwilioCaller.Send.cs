using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;

namespace VoiceServer.TwilioEmulator;

public sealed partial class FakeTwilioCaller
{
    private int _sequence;
    private long _chunk;
    private long _mediaTimestampMs;
    private long _mediaTimestampRemainderBytes;
    private volatile bool _startSent;

    /// <summary>The last <c>sequenceNumber</c> used (0 before <c>start</c>).</summary>
    public int LastSequenceNumber => Volatile.Read(ref _sequence);

    /// <summary><c>{"event":"connected","protocol":"Call","version":"1.0.0"}</c>: no sequenceNumber, no streamSid.</summary>
    public Task SendConnectedAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync(
            new JsonObject { ["event"] = "connected", ["protocol"] = "Call", ["version"] = "1.0.0" },
            cancellationToken);

    public Task SendStartAsync(CancellationToken cancellationToken) =>
        SendStartAsync(customParameters: null, cancellationToken: cancellationToken);

    /// <summary>The <c>start</c> message; <c>streamSid</c> appears at the top level and inside <c>start</c>.</summary>
    public Task SendStartAsync(
        IReadOnlyDictionary<string, string>? customParameters = null,
        string encoding = "audio/x-mulaw",
        int sampleRate = 8000,
        int channels = 1,
        CancellationToken cancellationToken = default)
    {
        var parameters = new JsonObject();
        foreach (var (name, value) in customParameters ?? new Dictionary<string, string>())
        {
            parameters[name] = value;
        }

        return SendSequencedAsync(
            sequence =>
            {
                _startSent = true;
                return new JsonObject
                {
                    ["event"] = "start",
                    ["sequenceNumber"] = sequence,
                    ["start"] = new JsonObject
                    {
                        ["accountSid"] = AccountSid,
                        ["streamSid"] = StreamSid,
                        ["callSid"] = CallSid,
                        ["tracks"] = new JsonArray("inbound"),
                        ["mediaFormat"] = new JsonObject
                        {
                            ["encoding"] = encoding,
                            ["sampleRate"] = sampleRate,
                            ["channels"] = channels,
                        },
                        ["customParameters"] = parameters,
                    },
                    ["streamSid"] = StreamSid,
                };
            },
            cancellationToken);
    }

    /// <summary>
    /// One <c>media</c> message: chunk +1 per message, timestamp advancing by bytes/8 ms from
    /// <see cref="FakeTwilioCallerOptions.FirstMediaTimestampMs"/>.
    /// </summary>
    public Task SendMediaAsync(ReadOnlyMemory<byte> mulaw, CancellationToken cancellationToken = default)
    {
        var payload = Convert.ToBase64String(mulaw.Span);
        return SendSequencedAsync(
            sequence =>
            {
                _chunk++;
                var timestamp = _mediaTimestampMs;
                var bytes = _mediaTimestampRemainderBytes + mulaw.Length;
                _mediaTimestampMs += bytes / BytesPerMillisecond;
                _mediaTimestampRemainderBytes = bytes % BytesPerMillisecond;
                return new JsonObject
                {
                    ["event"] = "media",
                    ["sequenceNumber"] = sequence,
                    ["media"] = new JsonObject
                    {
                        ["track"] = "inbound",
                        ["chunk"] = _chunk.ToString(CultureInfo.InvariantCulture),
                        ["timestamp"] = timestamp.ToString(CultureInfo.InvariantCulture),
                        ["payload"] = payload,
                    },
                    ["streamSid"] = StreamSid,
                };
            },
            cancellationToken);
    }

    /// <summary>Leaves a hole in <c>media.timestamp</c>, as if frames had been lost (to exercise gap padding).</summary>
    public void AdvanceMediaTimestamp(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Interlocked.Add(ref _mediaTimestampMs, milliseconds);
    }

    public Task SendAudioAsync(ReadOnlyMemory<byte> mulaw, CancellationToken cancellationToken) =>
        SendAudioAsync(mulaw, 160, pace: false, cancellationToken);

    /// <summary>
    /// Splits audio into frames (160 bytes = 20 ms, Twilio's size). Without <paramref name="pace"/> frames go out
    /// back to back; with it each frame is due at start + n × frame duration on the caller's TimeProvider.
    /// </summary>
    public async Task SendAudioAsync(ReadOnlyMemory<byte> mulaw, int frameBytes = 160, bool pace = false, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frameBytes);
        var started = _time.GetTimestamp();
        for (var offset = 0; offset < mulaw.Length; offset += frameBytes)
        {
            if (pace)
            {
                // Due times come from the start, not from the previous frame, so pacing never drifts.
                var due = TimeSpan.FromTicks(offset * TimeSpan.TicksPerMillisecond / BytesPerMillisecond);
                var wait = due - _time.GetElapsedTime(started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, cancellationToken);
                }
            }

            await SendMediaAsync(mulaw.Slice(offset, Math.Min(frameBytes, mulaw.Length - offset)), cancellationToken);
        }
    }

    /// <summary>A keypress: <c>dtmf.track</c> is <c>inbound_track</c> (unlike media's <c>inbound</c>).</summary>
    public Task SendDtmfAsync(char digit, CancellationToken cancellationToken = default)
    {
        if (!char.IsAsciiDigit(digit) && digit is not ('*' or '#' or 'A' or 'B' or 'C' or 'D'))
        {
            throw new ArgumentOutOfRangeException(nameof(digit), digit, "Not a DTMF digit; use SendTextAsync for malformed input.");
        }

        return SendSequencedAsync(
            sequence => new JsonObject
            {
                ["event"] = "dtmf",
                ["streamSid"] = StreamSid,
                ["sequenceNumber"] = sequence,
                ["dtmf"] = new JsonObject { ["track"] = "inbound_track", ["digit"] = digit.ToString() },
            },
            cancellationToken);
    }

    /// <summary>Sends a <c>mark</c> back to the server by hand, whether or not it is pending (e.g. a stale echo).</summary>
    public Task SendMarkAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return SendSequencedAsync(sequence => MarkMessage(sequence, name), cancellationToken);
    }

    public Task SendStopAsync(CancellationToken cancellationToken = default) =>
        SendSequencedAsync(
            sequence => new JsonObject
            {
                ["event"] = "stop",
                ["sequenceNumber"] = sequence,
                ["streamSid"] = StreamSid,
                ["stop"] = new JsonObject { ["accountSid"] = AccountSid, ["callSid"] = CallSid },
            },
            cancellationToken);

    /// <summary>Sends any text frame as is (malformed-input tests); no sequence number is consumed.</summary>
    public Task SendTextAsync(string rawJson, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rawJson);
        return SendFrameAsync(Encoding.UTF8.GetBytes(rawJson), WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends a binary frame, which real Twilio never does.</summary>
    public Task SendBinaryAsync(byte[] data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        return SendFrameAsync(data, WebSocketMessageType.Binary, cancellationToken);
    }

    private JsonObject MarkMessage(string sequence, string name) => new()
    {
        ["event"] = "mark",
        ["sequenceNumber"] = sequence,
        ["streamSid"] = StreamSid,
        ["mark"] = new JsonObject { ["name"] = name },
    };

    private Task SendJsonAsync(JsonObject message, CancellationToken cancellationToken) =>
        SendFrameAsync(Encoding.UTF8.GetBytes(FakeJson.Serialize(message)), WebSocketMessageType.Text, cancellationToken);

    /// <summary>Numbers the message under the send lock, so numbers on the wire are in order with no gaps.</summary>
    private async Task SendSequencedAsync(Func<string, JsonObject> build, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            var sequence = (_sequence + 1).ToString(CultureInfo.InvariantCulture);
            var bytes = Encoding.UTF8.GetBytes(FakeJson.Serialize(build(sequence)));
            Volatile.Write(ref _sequence, _sequence + 1);
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task SendFrameAsync(byte[] data, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        // ClientWebSocket allows one send at a time: every frame goes through this lock.
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(data, type, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
