using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;

namespace VoiceServer.LoadTest;

/// <summary>
/// N simulated callers of one provider (<see cref="CallerProtocol"/>: Twilio by default) on one timer wheel: every
/// call sends a tagged 160-byte μ-law frame every 20 ms from its own start (calls are staggered across the 20 ms
/// slots, never in lockstep), answers marks as the provider does, and checks every frame that comes back (its call,
/// its number, its latencies). The per-frame path allocates nothing: messages are written from each call's templates
/// into its own buffers and sent on its <see cref="CallerSocket"/>, one system call each.
/// </summary>
internal sealed class CallerFleet
{
    private const int SlotMs = 20;

    private readonly Uri _url;
    private readonly CallerProtocol _protocol;
    private readonly RemoteCertificateValidationCallback? _certificateValidation;
    private readonly int _calls;
    private readonly TimeSpan _duration;
    private readonly LatencyHistogram _roundTrip = new();
    private readonly LatencyHistogram _modelToCaller = new();
    private readonly TaskCompletionSource _wheelTurning = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _firstFailure;

    /// <summary>
    /// <paramref name="url"/> is the provider's media-stream path. For <c>wss://</c>, <paramref name="certificateValidation"/>
    /// replaces the system's check of the server's certificate (null keeps it).
    /// </summary>
    public CallerFleet(Uri url, int calls, TimeSpan duration, RemoteCertificateValidationCallback? certificateValidation = null, CallerProtocol? protocol = null)
    {
        _url = url;
        _protocol = protocol ?? CallerProtocol.Twilio;
        _certificateValidation = certificateValidation;
        _calls = calls;
        _duration = duration;
    }

    /// <summary>Completes once every call is connected and the wheel turns: the fleet is at full load.</summary>
    public Task Sending => _wheelTurning.Task;

    public async Task<FleetResult> RunAsync(CancellationToken cancellationToken)
    {
        var frames = (int)(_duration.TotalMilliseconds / SlotMs);
        var calls = new LoadCall[_calls];
        for (var i = 0; i < _calls; i++)
        {
            calls[i] = new LoadCall(i, frames, this);
        }

        // Connect in batches so the server is not hit by a thousand handshakes in one instant.
        foreach (var batch in calls.Chunk(50))
        {
            await Task.WhenAll(batch.Select(call => call.ConnectAsync(_url, _certificateValidation, cancellationToken)));
        }

        var receives = calls.Select(call => call.ReceiveLoopAsync(cancellationToken)).ToArray();

        // The wheel: call i is due at start + (i mod 20) ms + n × 20 ms.
        var started = Stopwatch.GetTimestamp();
        foreach (var call in calls)
        {
            call.StartAt = started + (call.Index % SlotMs * Stopwatch.Frequency / 1000);
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        var remaining = calls.Count(call => call.Connected);
        _wheelTurning.TrySetResult();
        while (remaining > 0 && await timer.WaitForNextTickAsync(cancellationToken))
        {
            var now = Stopwatch.GetTimestamp();
            remaining = 0;
            foreach (var call in calls)
            {
                if (call.Connected && !call.DoneSending)
                {
                    call.SendDue(now);
                    remaining += call.DoneSending ? 0 : 1;
                }
            }
        }

        // Let the last frames come back, then hang up.
        await Task.WhenAll(calls.Select(call => call.FinishAsync(cancellationToken)));
        await Task.WhenAll(receives);
        foreach (var call in calls)
        {
            call.Dispose();
        }

        return new FleetResult(
            _calls,
            calls.Count(call => !call.Connected || call.Failed),
            calls.Sum(call => (long)call.FramesSent),
            calls.Sum(call => (long)(call.FramesSent - call.FramesReceived)),
            calls.Sum(call => (long)call.LostInFirstSecond),
            calls.Sum(call => call.CrossTalk),
            calls.Sum(call => call.LateSends),
            _roundTrip,
            _modelToCaller,
            _firstFailure);
    }

    /// <summary>One simulated caller.</summary>
    private sealed class LoadCall : IDisposable
    {
        private const int MarkRing = 64;

        // The product's mark names are at most 48 bytes; Vonage's answer repeats the notify's whole payload object.
        private const int MaxMarkName = 64;

        // Vonage: a frame counts as back once all but its last 10 ms have come back (the resamplers delay the audio
        // by about 3 ms, and the product sends whole 640-byte frames only).
        private const int BinaryFrameSlack = 320;

        private readonly CallerFleet _fleet;
        private readonly int _frames;
        private readonly bool[] _received;
        private readonly CallerProtocol _protocol;
        private readonly MessageTemplate _media;
        private readonly MessageTemplate _markEcho;
        private readonly byte[]? _binaryFrame;
        private readonly long[]? _sentAt;
        private readonly CallerSocket.MessageHandler? _onBinary;
        private long _binaryBytesBack;
        private int _nextBinaryFrameBack;
        // The message is written after room for its frame header (CallerSocket.MaxHeaderBytes).
        private readonly byte[] _send = new byte[1024];
        private readonly byte[] _frame = new byte[FrameTag.FrameBytes];
        private readonly byte[] _decoded = new byte[8 * 1024];
        private readonly byte[][] _marks = new byte[MarkRing][];
        private readonly int[] _markLengths = new int[MarkRing];
        private readonly Lock _markGate = new();
        private readonly CallerSocket _socket = new();
        private readonly CallerSocket.MessageHandler _onMessage;
        private int _markHead;
        private int _markCount;
        private int _sequence;
        private Task? _sending;

        public LoadCall(int index, int frames, CallerFleet fleet)
        {
            Index = index;
            _frames = frames;
            _fleet = fleet;
            _received = new bool[frames];
            _protocol = fleet._protocol;
            _media = _protocol.Media(index);
            _markEcho = _protocol.MarkEcho(index);
            _binaryFrame = _protocol.BinaryFrame;
            if (_binaryFrame is not null)
            {
                _sentAt = new long[frames];
                _onBinary = OnBinary;
            }
            for (var i = 0; i < MarkRing; i++)
            {
                _marks[i] = new byte[MaxMarkName];
            }

            _onMessage = OnMessage;
        }

        public int Index { get; }

        public long StartAt { get; set; }

        public bool Connected { get; private set; }

        public bool Failed { get; private set; }

        public bool DoneSending => FramesSent >= _frames;

        public int FramesSent { get; private set; }

        public int FramesReceived { get; private set; }

        public long CrossTalk { get; private set; }

        public long LateSends { get; private set; }

        public int LostInFirstSecond => _received.Take(Math.Min(50, FramesSent)).Count(seen => !seen);

        public async Task ConnectAsync(Uri url, RemoteCertificateValidationCallback? certificateValidation, CancellationToken cancellationToken)
        {
            try
            {
                var key = $"sk-load-{Index}";
                await _socket.ConnectAsync(_protocol.CallUrl(url, key), cancellationToken, certificateValidation);
                if (_protocol.Connected is { } connected)
                {
                    await _socket.SendTextAsync(connected, cancellationToken);
                }

                await _socket.SendTextAsync(_protocol.Start(Index, key), cancellationToken);
                _sequence = 1;
                Connected = true;
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or ObjectDisposedException or AuthenticationException)
            {
                // The first reason is reported: a refused upgrade or an untrusted certificate fails every call alike.
                Interlocked.CompareExchange(ref _fleet._firstFailure, $"{ex.GetType().Name}: {ex.Message}", null);
                Failed = true;
            }
        }

        /// <summary>Called on the wheel's thread: sends every frame due by <paramref name="now"/>, then any marks to echo.</summary>
        public void SendDue(long now)
        {
            if (_sending is { } previous)
            {
                if (!previous.IsCompleted)
                {
                    // The socket is still busy with the previous send: the frame goes on the next tick.
                    LateSends++;
                    return;
                }

                Observe(previous);
            }

            var due = StartAt + (FramesSent * SlotMs * Stopwatch.Frequency / 1000);
            if (now < due || DoneSending)
            {
                return;
            }

            int length;
            if (_binaryFrame is null)
            {
                FrameTag.Write(_frame, Index, FramesSent, Stopwatch.GetTimestamp());
                length = WriteMedia(FramesSent);
            }
            else
            {
                // The pre-built frame, copied because sending masks it in place.
                _sentAt![FramesSent] = Stopwatch.GetTimestamp();
                _binaryFrame.CopyTo(_send, CallerSocket.MaxHeaderBytes);
                length = _binaryFrame.Length;
            }

            FramesSent++;
            // Loopback sends almost always complete at once: only a send that has to wait becomes a Task.
            var sending = SendAsync(length, binary: _binaryFrame is not null);
            if (sending.IsCompletedSuccessfully)
            {
                sending.GetAwaiter().GetResult();
            }
            else
            {
                _sending = sending.AsTask();
            }
        }

        public void Dispose() => _socket.Dispose();

        public async Task FinishAsync(CancellationToken cancellationToken)
        {
            if (!Connected)
            {
                return;
            }

            if (_sending is { } previous)
            {
                try
                {
                    await previous;
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
                {
                    Failed = true;
                }

                _sending = null;
            }

            if (_binaryFrame is not null)
            {
                // One more frame, not counted: it pushes the last counted one through the resamplers' delay.
                _binaryFrame.CopyTo(_send, CallerSocket.MaxHeaderBytes);
                try
                {
                    await SendAsync(_binaryFrame.Length, binary: true);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or SocketException or ObjectDisposedException)
                {
                    Failed = true;
                }
            }

            // Frames still on their way back get a moment.
            var deadline = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
            while (Volatile.Read(ref _receivedCount) < FramesSent && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(20, cancellationToken);
            }

            try
            {
                if (_protocol.Stop(Index, ++_sequence) is { } stop)
                {
                    await _socket.SendTextAsync(stop, cancellationToken);
                }

                using var closeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                closeTimeout.CancelAfter(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(closeTimeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                Failed = true;
            }
        }

        private int _receivedCount;

        public async Task ReceiveLoopAsync(CancellationToken cancellationToken)
        {
            if (!Connected)
            {
                return;
            }

            try
            {
                // Until the server's close frame, which answers ours.
                await _socket.ReceiveAsync(_onMessage, cancellationToken, _onBinary);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                if (!DoneSending)
                {
                    Failed = true;
                }
            }
        }

        /// <summary>Vonage's audio back: frame n is back once the call's byte stream has reached its end.</summary>
        private void OnBinary(ReadOnlySpan<byte> audio)
        {
            var now = Stopwatch.GetTimestamp();
            _binaryBytesBack += audio.Length;
            var frameBytes = _binaryFrame!.Length;
            while (_nextBinaryFrameBack < FramesSent && _binaryBytesBack >= ((_nextBinaryFrameBack + 1L) * frameBytes) - BinaryFrameSlack)
            {
                _received[_nextBinaryFrameBack] = true;
                FramesReceived++;
                Volatile.Write(ref _receivedCount, FramesReceived);
                _fleet._roundTrip.Record(now - _sentAt![_nextBinaryFrameBack]);
                _nextBinaryFrameBack++;
            }
        }

        private void OnMessage(ReadOnlySpan<byte> message)
        {
            var written = _binaryFrame is null ? _protocol.ReadMediaAudio(message, _decoded) : -1;
            if (written >= 0)
            {
                var now = Stopwatch.GetTimestamp();
                for (var offset = 0; offset + FrameTag.FrameBytes <= written; offset += FrameTag.FrameBytes)
                {
                    var (call, frame, sentAt, echoedAt) = FrameTag.Read(_decoded.AsSpan(offset, FrameTag.FrameBytes));
                    if (call != Index)
                    {
                        CrossTalk++;
                        continue;
                    }

                    if ((uint)frame < (uint)_frames && !_received[frame])
                    {
                        _received[frame] = true;
                        FramesReceived++;
                        Volatile.Write(ref _receivedCount, FramesReceived);
                        _fleet._roundTrip.Record(now - sentAt);
                        _fleet._modelToCaller.Record(now - echoedAt);
                    }
                }
            }
            else if (_protocol.ReadMarkName(message) is { Length: > 0 } name)
            {
                if (name.Length <= MaxMarkName)
                {
                    lock (_markGate)
                    {
                        if (_markCount < MarkRing)
                        {
                            var slot = (_markHead + _markCount) % MarkRing;
                            name.CopyTo(_marks[slot]);
                            _markLengths[slot] = name.Length;
                            _markCount++;
                        }
                    }
                }
            }
        }

        private int WriteMedia(int frameNumber) =>
            CallerProtocol.WriteMedia(_send.AsSpan(CallerSocket.MaxHeaderBytes), _media, ++_sequence, frameNumber, _frame);

        private void Observe(Task sending)
        {
            try
            {
                sending.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                Failed = true;
            }

            _sending = null;
        }

        /// <summary>The frame (Vonage's is binary), then the marks that came back since the last frame (one writer: the wheel).</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask SendAsync(int length, bool binary)
        {
            await (binary ? _socket.SendBinaryAsync(_send, length) : _socket.SendTextAsync(_send, length));
            while (TryTakeMark(out var markLength))
            {
                await _socket.SendTextAsync(_send, markLength);
            }
        }

        private bool TryTakeMark(out int length)
        {
            lock (_markGate)
            {
                if (_markCount == 0)
                {
                    length = 0;
                    return false;
                }

                length = CallerProtocol.WriteMarkEcho(_send.AsSpan(CallerSocket.MaxHeaderBytes), _markEcho, ++_sequence, _marks[_markHead].AsSpan(0, _markLengths[_markHead]));
                _markHead = (_markHead + 1) % MarkRing;
                _markCount--;
                return true;
            }
        }
    }
}
