using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace VoiceServer.LoadTest;

/// <summary>
/// The generator's side of one caller's WebSocket (RFC 6455, client role, text messages and, for Vonage's audio,
/// binary ones, no extensions), on a plain <see cref="Socket"/>. The generator must cost far less than the server it
/// loads, and <c>ClientWebSocket</c> spends per message what a thousand callers cannot afford: a cryptographic random
/// mask for every frame sent (an OpenSSL call and a <c>getpid</c>), and a receive through the HTTP connection's stream
/// for every message. Here a frame is written into the caller's own buffer and sent with one call; a read takes
/// whatever frames have arrived and hands each whole message on.
/// </summary>
/// <remarks>
/// Masks come from a per-socket xorshift generator seeded from the system's random source: RFC 6455 asks clients for
/// unpredictable masks so that hostile pages cannot steer what intermediaries see. This client only ever talks to a
/// server the operator points it at and sends what the tool writes, so a fast generator is enough. Not a general
/// client: no fragmentation on send, no compression, no subprotocols; it answers pings and closes cleanly.
/// <c>wss://</c> runs the same frames through an <see cref="SslStream"/> (one record per message), as a deployed
/// server behind TLS is reached; <c>ws://</c> stays on the bare socket.
/// </remarks>
internal sealed class CallerSocket : IDisposable
{
    // FIN + opcode, then the mask bit with a 7-bit length, or 126 and a 16-bit length; then the 4-byte mask key.
    public const int MaxHeaderBytes = 8;
    private const int MaxFrameBytes = 64 * 1024;
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly byte[] _control = new byte[MaxHeaderBytes + 125];
    private readonly Lock _controlGate = new();
    private int _pongLength = -1;
    private byte[] _receive = new byte[8 * 1024];
    private int _received;
    private ulong _maskState = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8)) | 1;
    private SslStream? _tls;

    /// <summary>Handles one whole text message; the span is valid only during the call.</summary>
    public delegate void MessageHandler(ReadOnlySpan<byte> message);

    /// <summary>
    /// The TCP connection (with TLS for <c>wss://</c>) and the upgrade handshake; throws
    /// <see cref="WebSocketException"/> if the server refuses. <paramref name="certificateValidation"/> replaces the
    /// system's check of the server's certificate (the tool's <c>--insecure</c>); null keeps it.
    /// </summary>
    public async Task ConnectAsync(Uri url, CancellationToken cancellationToken, RemoteCertificateValidationCallback? certificateValidation = null)
    {
        var secure = IsSecure(url);
        if (!secure && url.Scheme is not ("ws" or "http"))
        {
            throw new ArgumentException($"a ws:// or wss:// address, not {url.Scheme}://", nameof(url));
        }

        var port = url.IsDefaultPort ? (secure ? 443 : 80) : url.Port;
        var address = IPAddress.TryParse(url.Host, out var parsed) ? parsed : (await Dns.GetHostAddressesAsync(url.Host, AddressFamily.InterNetwork, cancellationToken))[0];
        await _socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
        if (secure)
        {
            _tls = new SslStream(new NetworkStream(_socket, ownsSocket: false));
            await _tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = url.IdnHost,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                    RemoteCertificateValidationCallback = certificateValidation,
                },
                cancellationToken);
        }

        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
        await WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);

        // The response head; whatever follows it is already frames.
        var headEnd = -1;
        while (headEnd < 0)
        {
            var read = await ReadAsync(_receive.AsMemory(_received), cancellationToken);
            if (read == 0 || _received + read == _receive.Length)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the upgrade response ended early or was too long");
            }

            _received += read;
            headEnd = _receive.AsSpan(0, _received).IndexOf("\r\n\r\n"u8);
        }

        var head = Encoding.ASCII.GetString(_receive, 0, headEnd);
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key: a handshake check, not a security measure.
        var expectedAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));
#pragma warning restore CA5350
        if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) ||
            !head.Contains($"\r\nSec-WebSocket-Accept: {expectedAccept}", StringComparison.OrdinalIgnoreCase))
        {
            throw new WebSocketException(WebSocketError.NotAWebSocket, $"the server did not upgrade: {head.Split("\r\n")[0]}");
        }

        _received -= headEnd + 4;
        _receive.AsSpan(headEnd + 4, _received).CopyTo(_receive);
    }

    /// <summary>
    /// Sends one text message whose payload was written at <see cref="MaxHeaderBytes"/> in <paramref name="buffer"/>
    /// (the header goes in front of it, the payload is masked in place). Completes at once unless the socket is full.
    /// </summary>
    public ValueTask SendTextAsync(byte[] buffer, int payloadLength)
    {
        SendPendingPong();
        return WriteAsync(Frame(buffer, 0x1, payloadLength), CancellationToken.None);
    }

    /// <summary>
    /// Sends one binary message (Vonage's audio) whose payload was written at <see cref="MaxHeaderBytes"/> in
    /// <paramref name="buffer"/>, masked in place like a text message's.
    /// </summary>
    public ValueTask SendBinaryAsync(byte[] buffer, int payloadLength)
    {
        SendPendingPong();
        return WriteAsync(Frame(buffer, 0x2, payloadLength), CancellationToken.None);
    }

    /// <summary>Sends a text message given as a string (set-up and goodbye, not the per-frame path).</summary>
    public async Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        SendPendingPong();
        var buffer = new byte[MaxHeaderBytes + Encoding.UTF8.GetByteCount(text)];
        var length = Encoding.UTF8.GetBytes(text, buffer.AsSpan(MaxHeaderBytes));
        await WriteAsync(Frame(buffer, 0x1, length), cancellationToken);
    }

    /// <summary>Sends a close frame (1000) and stops sending.</summary>
    public async Task CloseOutputAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxHeaderBytes + 2];
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(MaxHeaderBytes), 1000);
        await WriteAsync(Frame(buffer, 0x8, 2), cancellationToken);
    }

    /// <summary>
    /// Reads until the server closes (or the connection ends), handing each whole text message to
    /// <paramref name="handle"/> (and each binary one to <paramref name="handleBinary"/>, when given) on the thread
    /// that completed the read. Pings are answered; the server's close frame ends the loop normally. Throws
    /// <see cref="WebSocketException"/> on a protocol error.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask ReceiveAsync(MessageHandler handle, CancellationToken cancellationToken, MessageHandler? handleBinary = null)
    {
        while (true)
        {
            var consumed = ParseFrames(handle, handleBinary, out var closed);
            if (closed)
            {
                return;
            }

            _received -= consumed;
            _receive.AsSpan(consumed, _received).CopyTo(_receive);
            if (_received == _receive.Length)
            {
                if (_receive.Length >= MaxFrameBytes)
                {
                    throw new WebSocketException(WebSocketError.Faulted, "a frame larger than the generator accepts");
                }

                Array.Resize(ref _receive, _receive.Length * 2);
            }

            var read = await ReadAsync(_receive.AsMemory(_received), cancellationToken);
            if (read == 0)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the server closed the connection without a close frame");
            }

            _received += read;
        }
    }

    public void Dispose()
    {
        _tls?.Dispose();
        _socket.Dispose();
    }

    private static bool IsSecure(Uri url) => url.Scheme is "wss" or "https";

    /// <summary>One send on the bare socket; on TLS, one record (the stream is not buffered). Only the one writer calls it.</summary>
    private ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_tls is not null)
        {
            return _tls.WriteAsync(bytes, cancellationToken);
        }

        // A loopback send almost always completes at once; only one that has to wait becomes a Task.
        var sending = _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
        if (sending.IsCompletedSuccessfully)
        {
            // Consumed, so a pooled operation goes back to the socket.
            _ = sending.Result;
            return ValueTask.CompletedTask;
        }

        return new ValueTask(sending.AsTask());
    }

    private ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _tls is not null ? _tls.ReadAsync(buffer, cancellationToken) : _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>Handles every whole frame in the receive buffer; returns the bytes they took.</summary>
    private int ParseFrames(MessageHandler handle, MessageHandler? handleBinary, out bool closed)
    {
        closed = false;
        var offset = 0;
        while (_received - offset >= 2)
        {
            var first = _receive[offset];
            var second = _receive[offset + 1];
            if ((second & 0x80) != 0 || (first & 0x70) != 0)
            {
                throw new WebSocketException(WebSocketError.Faulted, "a masked or extended frame from the server");
            }

            var header = 2;
            long length = second & 0x7F;
            if (length == 126)
            {
                if (_received - offset < 4)
                {
                    break;
                }

                length = BinaryPrimitives.ReadUInt16BigEndian(_receive.AsSpan(offset + 2));
                header = 4;
            }
            else if (length == 127)
            {
                if (_received - offset < 10)
                {
                    break;
                }

                length = BinaryPrimitives.ReadInt64BigEndian(_receive.AsSpan(offset + 2));
                header = 10;
            }

            if (length > MaxFrameBytes - header)
            {
                throw new WebSocketException(WebSocketError.Faulted, "a frame larger than the generator accepts");
            }

            if (_received - offset < header + length)
            {
                break;
            }

            var payload = _receive.AsSpan(offset + header, (int)length);
            switch (first & 0x0F)
            {
                case 0x1 when (first & 0x80) != 0:
                    handle(payload);
                    break;
                case 0x2 when (first & 0x80) != 0 && handleBinary is not null:
                    handleBinary(payload);
                    break;
                case 0x8:
                    closed = true;
                    return offset + header + (int)length;
                case 0x9 when length <= 125:
                    // Answered with the same payload by the socket's one writer, before its next message.
                    lock (_controlGate)
                    {
                        payload.CopyTo(_control.AsSpan(MaxHeaderBytes));
                        _pongLength = payload.Length;
                    }

                    break;
                case 0xA:
                    break;
                default:
                    throw new WebSocketException(WebSocketError.Faulted, $"a frame this generator does not take (opcode {first & 0x0F}, FIN {first >> 7})");
            }

            offset += header + (int)length;
        }

        return offset;
    }

    private void SendPendingPong()
    {
        if (Volatile.Read(ref _pongLength) < 0)
        {
            return;
        }

        lock (_controlGate)
        {
            var pong = Frame(_control, 0xA, _pongLength).Span;
            if (_tls is not null)
            {
                _tls.Write(pong);
            }
            else
            {
                _socket.Send(pong);
            }

            _pongLength = -1;
        }
    }

    /// <summary>Writes a masked frame header in front of the payload at <see cref="MaxHeaderBytes"/> and masks the payload.</summary>
    private ReadOnlyMemory<byte> Frame(byte[] buffer, byte opcode, int payloadLength)
    {
        var headerLength = payloadLength < 126 ? 6 : 8;
        var start = MaxHeaderBytes - headerLength;
        buffer[start] = (byte)(0x80 | opcode);
        if (payloadLength < 126)
        {
            buffer[start + 1] = (byte)(0x80 | payloadLength);
        }
        else
        {
            buffer[start + 1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(start + 2), checked((ushort)payloadLength));
        }

        _maskState ^= _maskState << 13;
        _maskState ^= _maskState >> 7;
        _maskState ^= _maskState << 17;
        var mask = (uint)_maskState;
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(MaxHeaderBytes - 4), mask);
        var payload = buffer.AsSpan(MaxHeaderBytes, payloadLength);
        var i = 0;
        for (; i + 4 <= payload.Length; i += 4)
        {
            var chunk = payload.Slice(i, 4);
            BinaryPrimitives.WriteUInt32LittleEndian(chunk, BinaryPrimitives.ReadUInt32LittleEndian(chunk) ^ mask);
        }

        for (; i < payload.Length; i++)
        {
            payload[i] ^= (byte)(mask >> (8 * (i & 3)));
        }

        return buffer.AsMemory(start, headerLength + payloadLength);
    }
}
