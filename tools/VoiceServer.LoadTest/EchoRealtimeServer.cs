using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;

namespace VoiceServer.LoadTest;

/// <summary>
/// The Realtime peer of the load run, in echo mode: it confirms any <c>session.update</c> with a μ-law session (or a
/// 24 kHz PCM one, when that is what was asked for: Vonage's calls) and answers each
/// <c>input_audio_buffer.append</c> at once with a <c>response.output_audio.delta</c> carrying the same audio, stamped
/// with its arrival time (tagged μ-law only). So the whole path caller → server → Realtime → server → caller is timed
/// per frame. One receive loop per connection is also its only writer. Lean on purpose: it shares the machine with
/// the server under test. It runs in a process of its own (<c>--echo</c>), so its CPU is neither the generator's nor
/// the server's; <c>GET /stats</c> gives its latency figures and <c>POST /stats/reset</c> starts a new measurement.
/// </summary>
internal sealed class EchoRealtimeServer : IAsyncDisposable
{
    private static readonly byte[] s_sessionUpdated =
        """{"type":"session.updated","event_id":"event_echo_1","session":{"type":"realtime","object":"realtime.session","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":500,"create_response":true,"interrupt_response":true}},"output":{"format":{"type":"audio/pcmu"},"voice":"alloy"}}}}"""u8.ToArray();

    private static readonly byte[] s_sessionUpdatedPcm =
        """{"type":"session.updated","event_id":"event_echo_1","session":{"type":"realtime","object":"realtime.session","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":500,"create_response":true,"interrupt_response":true}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy"}}}}"""u8.ToArray();

    private static readonly byte[] s_pcmFormat = "\"audio/pcm\""u8.ToArray();

    private static readonly byte[] s_deltaPrefix =
        "{\"type\":\"response.output_audio.delta\",\"event_id\":\"event_echo_2\",\"response_id\":\"resp_echo\",\"item_id\":\"item_echo\",\"output_index\":0,\"content_index\":0,\"delta\":\""u8.ToArray();

    private static readonly byte[] s_appendType = "\"input_audio_buffer.append\""u8.ToArray();
    private static readonly byte[] s_sessionUpdateType = "\"session.update\""u8.ToArray();
    private static readonly byte[] s_audioKey = "\"audio\":\""u8.ToArray();

    private const int MuLawSession = -1;
    private const int PcmSession = -2;

    private readonly WebApplication _app;
    private long _connections;

    private EchoRealtimeServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Each call's first frame, generator → Realtime: set-up costs (buffering until the session is ready) show here.</summary>
    public LatencyHistogram FirstFrameLatency { get; } = new();

    /// <summary>Generator send → echo arrival: caller → server → Realtime.</summary>
    public LatencyHistogram CallerToModel { get; } = new();

    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>What this peer saw of each set-up probe's call (<see cref="SetupProbe"/>), by call.</summary>
    public ConcurrentDictionary<int, SetupTrace> SetupTraces { get; } = new();

    /// <summary>The <c>--echo</c> mode: serves until the process is stopped.</summary>
    public static async Task<int> RunAsync(int port, string host, CancellationToken cancellationToken)
    {
        await using var server = await StartAsync(port, cancellationToken, host);
        // Until SIGTERM or Ctrl+C: the host's lifetime handles both.
        await server._app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    public static async Task<EchoRealtimeServer> StartAsync(int port, CancellationToken cancellationToken, string host = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{host}:{port}");
        var app = builder.Build();
        var server = new EchoRealtimeServer(app);
        app.UseWebSockets();
        app.Map("/v1/realtime", server.HandleAsync);
        app.MapGet("/health", static () => "ok");
        app.MapGet("/stats", () => Results.Json(server.Snapshot(), LoadJsonContext.Default.EchoStats));
        app.MapGet("/stats/setup", () => Results.Json(server.SetupTraces.Values.ToList(), LoadJsonContext.Default.ListSetupTrace));
        app.MapPost("/stats/reset", () =>
        {
            server.FirstFrameLatency.Reset();
            server.CallerToModel.Reset();
            server.SetupTraces.Clear();
            return Results.NoContent();
        });
        await app.StartAsync(cancellationToken);
        server.Url = new Uri($"ws://{new Uri(app.Urls.First()).Authority}/v1/realtime");
        return server;
    }

    private EchoStats Snapshot() => new(
        CallerToModel.Percentile(0.5),
        CallerToModel.Percentile(0.9),
        CallerToModel.Percentile(0.99),
        CallerToModel.MaxMs,
        FirstFrameLatency.Count,
        FirstFrameLatency.Percentile(0.5),
        FirstFrameLatency.Percentile(0.99));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var setup = new SetupClock { UpgradeRequested = Stopwatch.GetTimestamp() };
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        setup.Accepted = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _connections);
        var receive = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var send = ArrayPool<byte>.Shared.Rent(1024);
        var firstFrame = true;
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == receive.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(receive.Length * 2);
                        receive.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(receive);
                        receive = larger;
                    }

                    result = await socket.ReceiveAsync(receive.AsMemory(length), context.RequestAborted);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                switch (Answer(receive.AsSpan(0, length), ref send, ref firstFrame, setup))
                {
                    case > 0 and var size:
                        await socket.SendAsync(send.AsMemory(0, size), WebSocketMessageType.Text, true, context.RequestAborted);
                        break;
                    case < 0 and var format:
                        setup.SessionUpdateReceived = Stopwatch.GetTimestamp();
                        await socket.SendAsync(format == PcmSession ? s_sessionUpdatedPcm : s_sessionUpdated, WebSocketMessageType.Text, true, context.RequestAborted);
                        setup.SessionUpdatedSent = Stopwatch.GetTimestamp();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The server went away (a call ended abruptly): nothing to echo any more.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(receive);
            ArrayPool<byte>.Shared.Return(send);
        }
    }

    /// <summary>
    /// What to answer <paramref name="message"/> with: the echoed delta written into <paramref name="send"/> (its
    /// length), <see cref="MuLawSession"/> or <see cref="PcmSession"/> for the session confirmation, 0 for nothing.
    /// </summary>
    private int Answer(Span<byte> message, ref byte[] send, ref bool firstFrame, SetupClock setup)
    {
        if (message.IndexOf(s_appendType) >= 0 && AudioOf(message) is { Length: > 0 } audio)
        {
            var now = Stopwatch.GetTimestamp();
            if (FrameTag.StampEcho(audio, now, out var sentAt, out var call))
            {
                CallerToModel.Record(now - sentAt);
                if (firstFrame)
                {
                    // The first frame's trip includes any wait for the session: what set-up costs the caller.
                    firstFrame = false;
                    FirstFrameLatency.Record(now - sentAt);
                    if (call >= SetupProbe.FirstCall)
                    {
                        SetupTraces[call] = new SetupTrace(call, setup.UpgradeRequested, setup.Accepted, setup.SessionUpdateReceived, setup.SessionUpdatedSent, now);
                    }
                }
            }

            var size = s_deltaPrefix.Length + audio.Length + 2;
            if (send.Length < size)
            {
                ArrayPool<byte>.Shared.Return(send);
                send = ArrayPool<byte>.Shared.Rent(size);
            }

            s_deltaPrefix.CopyTo(send, 0);
            audio.CopyTo(send.AsSpan(s_deltaPrefix.Length));
            send[size - 2] = (byte)'"';
            send[size - 1] = (byte)'}';
            return size;
        }

        return message.IndexOf(s_sessionUpdateType) < 0 ? 0 : message.IndexOf(s_pcmFormat) >= 0 ? PcmSession : MuLawSession;
    }

    /// <summary>The base64 between <c>"audio":"</c> and the closing quote (the server never escapes base64).</summary>
    private static Span<byte> AudioOf(Span<byte> message) =>
        JsonBytes.Find(message, s_audioKey) is { Length: > 0 } found ? message.Slice(found.Start, found.Length) : default;
}
