using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using VoiceServer.Legs;
using VoiceServer.Playback;
using VoiceServer.WebSockets;

namespace VoiceServer.Vonage;

/// <summary>
/// The caller leg over the Vonage Voice API WebSocket (server side): a first text message with the NCCO
/// <c>headers</c>, then binary 16-bit little-endian PCM at 16 kHz both ways, 640 bytes per 20 ms. The session speaks
/// 24 kHz PCM (<see cref="Audio.ModelAudioFormat.Pcm24"/>), so this leg resamples both ways with a
/// <see cref="PcmResampler"/> each, keeping the filters' state across frames. The session's marks travel as
/// <c>{"action":"notify"}</c> and come back as <c>websocket:notify</c>; its clear is <c>{"action":"clear"}</c>.
/// </summary>
/// <remarks>
/// Outbound audio is re-chunked into whole 640-byte frames. A mark queued while part of a frame waits is sent right
/// after that frame, so it never runs ahead of the audio it marks; the done mark of an item pads the last partial
/// frame with silence and sends it. A clear drops the partial frame and the marks waiting with it and restarts the
/// filter. Whether Vonage returns notifies a clear flushed is unconfirmed (§3.4): the session never waits for them,
/// since a barge-in starts a new playback generation. The per-frame path allocates nothing.
/// </remarks>
public sealed class VonageCallerLeg : ICallerLeg
{
    /// <summary>20 ms at 16 kHz, two bytes a sample: the frame Vonage sends and expects.</summary>
    public const int FrameBytes = 640;

    private const int FrameSamples = FrameBytes / 2;

    // Marks waiting for the partial frame they follow: one per model delta, so a handful at most.
    private const int MaxWaitingMarks = 64;

    private static readonly MessageHandler<(VonageCallerLeg Leg, ICallerEvents Events)> s_dispatchText =
        static (state, message, scratch) => state.Leg.DispatchText(message, scratch, state.Events);

    private static readonly MessageHandler<(VonageCallerLeg Leg, ICallerEvents Events)> s_dispatchBinary =
        static (state, message, _) => state.Leg.DispatchAudio(message, state.Events);

    private static ReadOnlySpan<byte> NotifyPrefix => "{\"action\":\"notify\",\"payload\":{\"mark\":\""u8;

    private static ReadOnlySpan<byte> NotifySuffix => "\"}}"u8;

    private static ReadOnlySpan<byte> Clear => "{\"action\":\"clear\"}"u8;

    private readonly WebSocketConnection _connection;
    private readonly Lock _sendGate = new();
    private readonly PcmResampler _inbound = PcmResampler.Up16To24();
    private readonly PcmResampler _outbound = PcmResampler.Down24To16();

    // Inbound scratch: one frame's samples at each rate, and its base64 for the session.
    private readonly short[] _inboundSamples = new short[FrameSamples];
    private readonly short[] _inboundResampled;
    private readonly byte[] _inboundPcm24;
    private readonly byte[] _inboundBase64;
    private readonly byte[] _inboundCarry = new byte[FrameBytes];
    private int _inboundCarryLength;

    // Outbound: the decoded delta, its samples at 16 kHz, and the partial frame waiting to fill.
    private byte[] _outboundPcm24 = new byte[9_600];
    private short[] _outboundResampled = new short[3_200];
    private readonly byte[] _frame = new byte[FrameBytes];
    private int _frameLength;
    private readonly byte[] _waitingMarks = new byte[MaxWaitingMarks * MarkName.MaxLength];
    private readonly int[] _waitingMarkLengths = new int[MaxWaitingMarks];
    private int _waitingMarkCount;
    private byte _pendingOddByte;
    private bool _hasPendingOddByte;

    private readonly IReadOnlyDictionary<string, string>? _upgradeParameters;
    private bool _started;

    /// <param name="socket">The accepted socket.</param>
    /// <param name="maxMessageBytes">Larger messages (text or binary) end the call with 1009.</param>
    /// <param name="outboundCapacity">Messages queued for Vonage before the caller counts as too slow.</param>
    /// <param name="rateLimit">The caller's inbound message budget, if any.</param>
    /// <param name="upgradeParameters">What the upgrade proved (the signed configuration); wins over the headers.</param>
    public VonageCallerLeg(
        WebSocket socket,
        int maxMessageBytes,
        int outboundCapacity,
        MessageRateLimit? rateLimit = null,
        IReadOnlyDictionary<string, string>? upgradeParameters = null)
    {
        _upgradeParameters = upgradeParameters;
        _connection = new WebSocketConnection(socket, maxMessageBytes, outboundCapacity, rateLimit, acceptsBinary: true);
        _inboundResampled = new short[_inbound.MaxOutputSamples(FrameSamples)];
        _inboundPcm24 = new byte[_inboundResampled.Length * 2];
        _inboundBase64 = new byte[Base64.GetMaxEncodedToUtf8Length(_inboundPcm24.Length)];
    }

    public Task<LegCompletion> RunReceiveLoopAsync(ICallerEvents events, CancellationToken cancellationToken) =>
        _connection.RunReceiveLoopAsync((this, events), s_dispatchText, s_dispatchBinary, cancellationToken);

    public Task RunSendLoopAsync(CancellationToken cancellationToken) => _connection.RunSendLoopAsync(cancellationToken);

    /// <summary>Base64 24 kHz PCM from the model: decoded, resampled to 16 kHz and sent in whole 640-byte frames.</summary>
    public bool TrySendAudio(ReadOnlySpan<byte> base64Audio)
    {
        lock (_sendGate)
        {
            EnsureOutboundRoom(Base64.GetMaxDecodedFromUtf8Length(base64Audio.Length));
            var offset = 0;
            if (_hasPendingOddByte)
            {
                // A delta of an odd length split a sample: its first byte waits here for the second.
                _outboundPcm24[0] = _pendingOddByte;
                _hasPendingOddByte = false;
                offset = 1;
            }

            if (Base64.DecodeFromUtf8(base64Audio, _outboundPcm24.AsSpan(offset), out _, out var decoded) != System.Buffers.OperationStatus.Done)
            {
                // Not audio (the model's reader passes deltas through unchecked): nothing to play, and no reason
                // to count the caller as slow.
                return true;
            }

            var bytes = offset + decoded;
            if (bytes % 2 == 1)
            {
                _pendingOddByte = _outboundPcm24[bytes - 1];
                _hasPendingOddByte = true;
                bytes--;
            }

            var samples = MemoryMarshal.Cast<byte, short>(_outboundPcm24.AsSpan(0, bytes));
            if (!BitConverter.IsLittleEndian)
            {
                BinaryPrimitives.ReverseEndianness(samples, samples);
            }

            var written = _outbound.Process(samples, _outboundResampled);
            return Append(MemoryMarshal.AsBytes(_outboundResampled.AsSpan(0, written)));
        }
    }

    public bool TrySendMark(ReadOnlySpan<byte> name)
    {
        lock (_sendGate)
        {
            if (!_started)
            {
                return false;
            }

            var isDone = MarkName.TryParse(name, out var kind, out _, out _) && kind == MarkKind.Done;
            if (isDone && _frameLength > 0)
            {
                // The item's audio has ended: the rest of its last frame is silence, and the frame goes now.
                _frame.AsSpan(_frameLength).Clear();
                _frameLength = FrameBytes;
                if (!SendFrame())
                {
                    return false;
                }
            }

            if (_frameLength == 0)
            {
                return _connection.Outbound.TryEnqueue(NotifyPrefix, name, NotifySuffix);
            }

            if (_waitingMarkCount == MaxWaitingMarks || name.Length > MarkName.MaxLength)
            {
                return false;
            }

            name.CopyTo(_waitingMarks.AsSpan(_waitingMarkCount * MarkName.MaxLength));
            _waitingMarkLengths[_waitingMarkCount++] = name.Length;
            return true;
        }
    }

    public bool TrySendClear()
    {
        lock (_sendGate)
        {
            if (!_started)
            {
                return false;
            }

            _frameLength = 0;
            _waitingMarkCount = 0;
            _hasPendingOddByte = false;
            _outbound.Reset();
            return _connection.Outbound.TryEnqueue(Clear);
        }
    }

    public Task CloseAsync(WebSocketCloseStatus status, string description, CancellationToken cancellationToken) =>
        _connection.CloseAsync(status, description, cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void EnsureOutboundRoom(int decodedBytes)
    {
        // Room for a carried byte too; deltas are usually 100 ms or less, so this grows once if at all.
        if (_outboundPcm24.Length < decodedBytes + 1)
        {
            _outboundPcm24 = new byte[decodedBytes + 1];
        }

        var samples = _outbound.MaxOutputSamples((decodedBytes / 2) + 1);
        if (_outboundResampled.Length < samples)
        {
            _outboundResampled = new short[samples];
        }
    }

    /// <summary>Adds 16 kHz bytes to the partial frame, sending each frame as it fills. Under _sendGate.</summary>
    private bool Append(ReadOnlySpan<byte> pcm16)
    {
        if (!_started)
        {
            // Audio before the first message would play nowhere the session could track.
            return false;
        }

        while (!pcm16.IsEmpty)
        {
            var take = Math.Min(FrameBytes - _frameLength, pcm16.Length);
            pcm16[..take].CopyTo(_frame.AsSpan(_frameLength));
            _frameLength += take;
            pcm16 = pcm16[take..];
            if (_frameLength == FrameBytes && !SendFrame())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Sends the full frame, then the marks that waited for it. Under _sendGate.</summary>
    private bool SendFrame()
    {
        _frameLength = 0;
        if (!_connection.Outbound.TryEnqueueBinary(_frame))
        {
            return false;
        }

        for (var i = 0; i < _waitingMarkCount; i++)
        {
            var name = _waitingMarks.AsSpan(i * MarkName.MaxLength, _waitingMarkLengths[i]);
            if (!_connection.Outbound.TryEnqueue(NotifyPrefix, name, NotifySuffix))
            {
                return false;
            }
        }

        _waitingMarkCount = 0;
        return true;
    }

    internal void DispatchText(ReadOnlySpan<byte> json, Span<byte> scratch, ICallerEvents events)
    {
        if (!_started)
        {
            if (VonageMessageReader.ReadFirstMessage(json, _upgradeParameters, out var problem) is not { } start)
            {
                events.OnMalformedMessage(problem ?? "malformed first message");
                return;
            }

            lock (_sendGate)
            {
                _started = true;
            }

            events.OnConnected();
            events.OnStart(start);
            return;
        }

        switch (VonageMessageReader.ReadEvent(json, scratch, out var mark, out var digit, out var eventProblem))
        {
            case VonageEvent.Notify:
                events.OnMark(mark);
                break;
            case VonageEvent.Dtmf:
                events.OnDtmf(digit!);
                break;
            case VonageEvent.Cleared:
            case VonageEvent.Connected:
                // The answer to a clear the session already applied; a repeated metadata message changes nothing.
                break;
            default:
                events.OnMalformedMessage(eventProblem ?? "unknown event");
                break;
        }
    }

    /// <summary>
    /// 16 kHz caller audio: any even length, resampled in 20 ms pieces so the session sees one 24 kHz frame per
    /// 20 ms, whatever size Vonage's messages are. A piece shorter than 20 ms waits for the next message.
    /// </summary>
    internal void DispatchAudio(ReadOnlySpan<byte> pcm16, ICallerEvents events)
    {
        if (!_started)
        {
            events.OnMalformedMessage("audio before the first message");
            return;
        }

        if (pcm16.Length % 2 == 1)
        {
            events.OnMalformedMessage("a binary frame of odd length");
            return;
        }

        while (!pcm16.IsEmpty)
        {
            var take = Math.Min(FrameBytes - _inboundCarryLength, pcm16.Length);
            pcm16[..take].CopyTo(_inboundCarry.AsSpan(_inboundCarryLength));
            _inboundCarryLength += take;
            pcm16 = pcm16[take..];
            if (_inboundCarryLength == FrameBytes)
            {
                _inboundCarryLength = 0;
                RelayFrame(events);
            }
        }
    }

    private void RelayFrame(ICallerEvents events)
    {
        for (var i = 0; i < FrameSamples; i++)
        {
            _inboundSamples[i] = BinaryPrimitives.ReadInt16LittleEndian(_inboundCarry.AsSpan(i * 2));
        }

        var written = _inbound.Process(_inboundSamples, _inboundResampled);
        var pcm24 = _inboundPcm24.AsSpan(0, written * 2);
        for (var i = 0; i < written; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(pcm24[(i * 2)..], _inboundResampled[i]);
        }

        Base64.EncodeToUtf8(pcm24, _inboundBase64, out _, out var encoded);
        // Vonage's frames carry no timestamp: the session pads no gaps.
        events.OnMedia(_inboundBase64.AsSpan(0, encoded), -1);
    }
}
