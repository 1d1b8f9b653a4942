using System.Buffers;
using System.Diagnostics;
using System.Net.Security;
using System.Net.WebSockets;
using System.Text;

namespace VoiceServer.LoadTest;

/// <summary>
/// Call set-up, measured: probe calls of one provider (Twilio by default) one after another, 100 ms apart (alone, or
/// while a step's callers are live), each sending <c>connected</c> (if the provider has one), <c>start</c> and its
/// first tagged frame at once after the upgrade, then a frame every 20 ms.
/// With the echo peer's timestamps (<see cref="SetupTrace"/>) this gives, per call, upgrade → first frame at the
/// Realtime socket, less the peer's own handshake and session exchange: what the server adds. Frames sent before the
/// session is ready must all come back, in order.
/// </summary>
internal sealed class SetupProbe(Uri url, RemoteCertificateValidationCallback? certificateValidation = null, CallerProtocol? protocol = null)
{
    private readonly CallerProtocol _protocol = protocol ?? CallerProtocol.Twilio;

    /// <summary>Probe calls are numbered from here, apart from the fleet's.</summary>
    public const int FirstCall = 1_000_000;

    private const int FramesPerCall = 25;

    // Between probes: the server has ended the previous probe's call (closed both sockets, written its record)
    // before the next one starts, so one probe's teardown is not counted in the next one's set-up.
    private static readonly TimeSpan s_pause = TimeSpan.FromMilliseconds(100);

    // One numbering for every probe of the process: each provider's probes are joined with the echo peer's traces by call.
    private static int s_next = FirstCall;

    public async Task<List<ProbeCall>> RunAsync(int calls, CancellationToken cancellationToken)
    {
        var results = new List<ProbeCall>(calls);
        for (var i = 0; i < calls && !cancellationToken.IsCancellationRequested; i++)
        {
            if (i > 0)
            {
                await Task.Delay(s_pause, cancellationToken);
            }

            results.Add(await ProbeAsync(Interlocked.Increment(ref s_next), cancellationToken));
        }

        return results;
    }

    private async Task<ProbeCall> ProbeAsync(int call, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        if (certificateValidation is not null)
        {
            socket.Options.RemoteCertificateValidationCallback = certificateValidation;
        }

        var media = _protocol.Media(call);
        var upgradeStarted = Stopwatch.GetTimestamp();
        var upgraded = upgradeStarted;
        var sent = 0;
        try
        {
            await socket.ConnectAsync(_protocol.CallUrl(url, "sk-load-probe"), cancellationToken);
            upgraded = Stopwatch.GetTimestamp();
            if (_protocol.Connected is { } connected)
            {
                await SendAsync(socket, connected, cancellationToken);
            }

            await SendAsync(socket, _protocol.Start(call, "sk-load-probe"), cancellationToken);
            var receiving = ReceiveAsync(socket, call, _protocol, cancellationToken);
            var firstFrame = Stopwatch.GetTimestamp();
            var frame = new byte[FrameTag.FrameBytes];
            var message = new byte[1024];
            for (; sent < FramesPerCall; sent++)
            {
                var due = firstFrame + (sent * 20 * Stopwatch.Frequency / 1000);
                if (Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due) is { TotalMilliseconds: > 0 } wait)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                FrameTag.Write(frame, call, sent, Stopwatch.GetTimestamp());
                var length = CallerProtocol.WriteMedia(message, media, sent + 2, sent, frame);
                await socket.SendAsync(message.AsMemory(0, length), WebSocketMessageType.Text, true, cancellationToken);
            }

            var (received, outOfOrder) = await receiving;
            if (_protocol.Stop(call, sent + 2) is { } stop)
            {
                await SendAsync(socket, stop, cancellationToken);
            }

            using var closeTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            closeTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", closeTimeout.Token);
            return new ProbeCall(call, upgradeStarted, upgraded, sent, received, outOfOrder, Failed: false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            return new ProbeCall(call, upgradeStarted, upgraded, sent, 0, 0, Failed: true);
        }
    }

    /// <summary>Until every frame is back (or 2 s after the last was due): how many came back, and how many out of order.</summary>
    private static async Task<(int Received, int OutOfOrder)> ReceiveAsync(WebSocket socket, int call, CallerProtocol protocol, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds((FramesPerCall * 20) + 2000));
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var decoded = new byte[8 * 1024];
        var received = 0;
        var outOfOrder = 0;
        var expected = 0;
        try
        {
            while (received < FramesPerCall)
            {
                var length = await WholeMessage.ReceiveAsync(socket, buffer, deadline.Token);
                if (length < 0)
                {
                    break;
                }

                var message = buffer.AsSpan(0, length);
                var written = protocol.ReadMediaAudio(message, decoded);

                for (var offset = 0; offset + FrameTag.FrameBytes <= written; offset += FrameTag.FrameBytes)
                {
                    var (frameCall, frame, _, _) = FrameTag.Read(decoded.AsSpan(offset, FrameTag.FrameBytes));
                    if (frameCall != call)
                    {
                        continue;
                    }

                    outOfOrder += frame == expected ? 0 : 1;
                    expected = frame + 1;
                    received++;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever did not come back by the deadline is lost.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return (received, outOfOrder);
    }

    private static Task SendAsync(WebSocket socket, string text, CancellationToken cancellationToken) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
}
