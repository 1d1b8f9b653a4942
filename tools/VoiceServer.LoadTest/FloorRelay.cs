using System.Buffers;
using System.Buffers.Text;
using System.Net.WebSockets;

namespace VoiceServer.LoadTest;

/// <summary>
/// The floor: a relay built for the benchmark only. Same host (Kestrel), same sockets and framing as the product, and
/// the least work that still speaks both protocols: each caller <c>media</c> payload becomes an
/// <c>input_audio_buffer.append</c>, each <c>response.output_audio.delta</c> becomes a <c>media</c> and a <c>mark</c>.
/// No validation, no configuration, no playback tracking, no logging, no metrics. Whatever the product spends above
/// this is the price of its features; the ratio is the number to drive down.
/// </summary>
internal static class FloorRelay
{
    private const int BufferBytes = 4 * 1024;

    private static readonly byte[] s_deltaKey = "\"delta\":\""u8.ToArray();
    private static readonly byte[] s_stopEvent = "\"event\":\"stop\""u8.ToArray();
    private static readonly byte[] s_streamSidKey = "\"streamSid\":\""u8.ToArray();
    private static readonly byte[] s_appendPrefix = "{\"type\":\"input_audio_buffer.append\",\"audio\":\""u8.ToArray();
    private static readonly byte[] s_sessionUpdate = """{"type":"session.update","session":{"type":"realtime","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcmu"}},"output":{"format":{"type":"audio/pcmu"},"voice":"alloy"}}}}"""u8.ToArray();

    public static async Task<int> RunAsync(int port, Uri upstream, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/health", () => "ok");
        app.Map("/api/twilio/media-stream", context => RelayAsync(context, upstream));
        await app.RunAsync(cancellationToken);
        return 0;
    }

    private static async Task RelayAsync(HttpContext context, Uri upstream)
    {
        using var caller = await context.WebSockets.AcceptWebSocketAsync();
        using var model = new ClientWebSocket();
        model.Options.SetRequestHeader("Authorization", "Bearer floor");
        await model.ConnectAsync(upstream, context.RequestAborted);
        await model.SendAsync(s_sessionUpdate, WebSocketMessageType.Text, true, context.RequestAborted);
        var streamSid = new byte[64];
        var streamSidLength = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);

        var toModel = PumpAsync(caller, model, stop, (message, output) =>
        {
            if (streamSidLength == 0 && JsonBytes.ValueAfter(message, s_streamSidKey) is { Length: > 0 and <= 64 } sid)
            {
                sid.CopyTo(streamSid);
                streamSidLength = sid.Length;
            }

            if (message.IndexOf(s_stopEvent) >= 0)
            {
                return -1;
            }

            if (message.IndexOf(JsonBytes.MediaEvent) < 0)
            {
                return 0;
            }

            var payload = JsonBytes.ValueAfter(message, JsonBytes.PayloadKey);
            var length = 0;
            JsonBytes.Append(output, ref length, s_appendPrefix);
            JsonBytes.Append(output, ref length, payload);
            JsonBytes.Append(output, ref length, "\"}"u8);
            return length;
        });

        var mark = 0;
        var toCaller = PumpAsync(model, caller, stop, (message, output) =>
        {
            var delta = JsonBytes.ValueAfter(message, s_deltaKey);
            if (delta.IsEmpty)
            {
                return 0;
            }

            // The media and its mark, as two messages: the pump sends what is written, split at the newline marker.
            var length = 0;
            JsonBytes.Append(output, ref length, "{\"event\":\"media\",\"streamSid\":\""u8);
            JsonBytes.Append(output, ref length, streamSid.AsSpan(0, streamSidLength));
            JsonBytes.Append(output, ref length, "\",\"media\":{\"payload\":\""u8);
            JsonBytes.Append(output, ref length, delta);
            JsonBytes.Append(output, ref length, "\"}}\n{\"event\":\"mark\",\"streamSid\":\""u8);
            JsonBytes.Append(output, ref length, streamSid.AsSpan(0, streamSidLength));
            JsonBytes.Append(output, ref length, "\",\"mark\":{\"name\":\"m"u8);
            Utf8Formatter.TryFormat(++mark, output[length..], out var written);
            length += written;
            JsonBytes.Append(output, ref length, "\"}}"u8);
            return length;
        });

        await Task.WhenAny(toModel, toCaller);
        await stop.CancelAsync();
        await Task.WhenAll(toModel.ContinueWith(static _ => { }, TaskScheduler.Default), toCaller.ContinueWith(static _ => { }, TaskScheduler.Default));
        await CloseQuietlyAsync(caller);
        await CloseQuietlyAsync(model);
    }

    private delegate int Transform(ReadOnlySpan<byte> message, Span<byte> output);

    /// <summary>Reads <paramref name="from"/>, writes <paramref name="to"/> (its only writer). Output lines split at '\n' are separate messages.</summary>
    private static async Task PumpAsync(WebSocket from, WebSocket to, CancellationTokenSource stop, Transform transform)
    {
        // The echo load's largest message is about 1.3 KB: the smallest pooled size that holds it, so the floor's
        // memory per call is not inflated by buffers it never fills.
        var input = ArrayPool<byte>.Shared.Rent(BufferBytes);
        var output = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var length = await WholeMessage.ReceiveAsync(from, input, stop.Token);
                if (length < 0)
                {
                    return;
                }

                var written = transform(input.AsSpan(0, length), output);
                if (written < 0)
                {
                    return;
                }

                var start = 0;
                while (start < written)
                {
                    var newline = output.AsSpan(start, written - start).IndexOf((byte)'\n');
                    var end = newline < 0 ? written : start + newline;
                    await to.SendAsync(output.AsMemory(start, end - start), WebSocketMessageType.Text, true, stop.Token);
                    start = end + 1;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Either side went away: the relay ends.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    private static async Task CloseQuietlyAsync(WebSocket socket)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // Already gone.
        }
    }
}
