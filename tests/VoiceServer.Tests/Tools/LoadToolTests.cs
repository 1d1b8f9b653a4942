using System.Buffers.Binary;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using VoiceServer.LoadTest;
using VoiceServer.Tests.Infrastructure;

namespace VoiceServer.Tests.Tools;

/// <summary>
/// The load tool measures only if it is right: every caller frame must be recognised where it lands, and its own
/// WebSocket client must speak the protocol exactly. Against the real server and the tool's echo peer, and against
/// a peer that writes raw frames.
/// </summary>
public sealed class LoadToolTests
{
    [Fact]
    public async Task Fleet_AndSetupProbes_AgainstTheServer_EveryFrameComesBackToItsOwnCall()
    {
        using var timeout = TestTimeout.Create(60);
        await using var echo = await EchoRealtimeServer.StartAsync(0, timeout.Token);
        await using var server = await TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["OPENAI_REALTIME_URL"] = echo.Url.ToString() },
            cancellationToken: timeout.Token);

        var fleet = new CallerFleet(server.MediaStreamUrl(), calls: 5, TimeSpan.FromSeconds(1));
        var running = fleet.RunAsync(timeout.Token);
        await fleet.Sending.WaitAsync(timeout.Token);
        // A probe call while the fleet is live: its first frames go out before the model session is ready.
        var probes = await new SetupProbe(server.MediaStreamUrl()).RunAsync(2, timeout.Token);
        var result = await running;

        Assert.Equal(0, result.FailedCalls);
        Assert.Equal(5 * 50, result.FramesSent);
        Assert.Equal(0, result.FramesLost);
        Assert.Equal(0, result.CrossTalk);
        Assert.Equal(result.FramesSent, result.RoundTrip.Count);
        // Both halves timed for every frame: at the echo peer (the fleet's and the probes') and back at the caller.
        Assert.Equal(result.FramesSent, result.ModelToCaller.Count);
        Assert.Equal(result.FramesSent + probes.Sum(probe => probe.FramesSent), echo.CallerToModel.Count);
        Assert.All(probes, probe =>
        {
            Assert.False(probe.Failed);
            Assert.Equal(probe.FramesSent, probe.FramesReceived);
            Assert.Equal(0, probe.OutOfOrder);
        });
        // The echo peer saw each probe's set-up, in the order it happened.
        Assert.All(probes, probe =>
        {
            var trace = echo.SetupTraces[probe.Call];
            Assert.True(trace.UpgradeRequested <= trace.Accepted && trace.Accepted <= trace.SessionUpdateReceived);
            Assert.True(trace.SessionUpdateReceived <= trace.SessionUpdatedSent && trace.SessionUpdatedSent <= trace.FirstFrameArrived);
            Assert.True(probe.Upgraded <= trace.FirstFrameArrived);
        });
    }

    [Theory]
    [InlineData("telnyx", "caller_stopped")]
    [InlineData("plivo", "caller_disconnected")]
    public async Task Fleet_AndSetupProbes_AsEachProvidersCaller_EveryFrameComesBackToItsOwnCall_CallsEndAsThatProvidersDo(string provider, string endReason)
    {
        using var timeout = TestTimeout.Create(60);
        var protocol = CallerProtocol.Find(provider)!;
        await using var echo = await EchoRealtimeServer.StartAsync(0, timeout.Token);
        await using var server = await TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["OPENAI_REALTIME_URL"] = echo.Url.ToString() },
            cancellationToken: timeout.Token);
        var url = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = protocol.Path }.Uri;

        var fleet = new CallerFleet(url, calls: 5, TimeSpan.FromSeconds(1), protocol: protocol);
        var running = fleet.RunAsync(timeout.Token);
        await fleet.Sending.WaitAsync(timeout.Token);
        var probes = await new SetupProbe(url, protocol: protocol).RunAsync(2, timeout.Token);
        var result = await running;

        Assert.Null(result.FirstFailure);
        Assert.Equal(0, result.FailedCalls);
        Assert.Equal(5 * 50, result.FramesSent);
        Assert.Equal(0, result.FramesLost);
        Assert.Equal(0, result.CrossTalk);
        Assert.Equal(result.FramesSent, result.RoundTrip.Count);
        Assert.Equal(result.FramesSent + probes.Sum(probe => probe.FramesSent), echo.CallerToModel.Count);
        Assert.All(probes, probe =>
        {
            Assert.False(probe.Failed);
            Assert.Equal(probe.FramesSent, probe.FramesReceived);
            Assert.Equal(0, probe.OutOfOrder);
        });
        // Every call ended as that provider's caller ends one (Telnyx's stop, Plivo's close), and nothing the callers
        // sent (marks answered in the provider's shape included) was a message the server could not read.
        await server.WaitForCallEndAsync(timeout.Token, count: 7);
        var ends = server.Logs.Entries.Where(e => e.EventName == "CallEnded").ToList();
        Assert.Equal(7, ends.Count);
        Assert.All(ends, end => Assert.Contains(endReason, end.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.Contains("Call", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fleet_AsVonagesCaller_EveryFrameComesBackByItsPlace_ThroughBothResamplers()
    {
        using var timeout = TestTimeout.Create(60);
        var protocol = CallerProtocol.Vonage;
        await using var echo = await EchoRealtimeServer.StartAsync(0, timeout.Token);
        await using var server = await TestVoiceServer.StartAsync(
            new Dictionary<string, string?> { ["OPENAI_REALTIME_URL"] = echo.Url.ToString() },
            cancellationToken: timeout.Token);
        var url = new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = protocol.Path }.Uri;

        var result = await new CallerFleet(url, calls: 5, TimeSpan.FromSeconds(1), protocol: protocol).RunAsync(timeout.Token);

        Assert.Null(result.FirstFailure);
        Assert.Equal(0, result.FailedCalls);
        Assert.Equal(5 * 50, result.FramesSent);
        // Recognised by their place in each call's returned audio: 16 kHz in, 24 kHz to the echo peer (which confirms
        // the PCM session the server asks for), 16 kHz back; nothing lost.
        Assert.Equal(0, result.FramesLost);
        Assert.Equal(result.FramesSent, result.RoundTrip.Count);
        await server.WaitForCallEndAsync(timeout.Token, count: 5);
        var ends = server.Logs.Entries.Where(e => e.EventName == "CallEnded").ToList();
        Assert.Equal(5, ends.Count);
        Assert.All(ends, end => Assert.Contains("caller_disconnected", end.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logs.Entries, e => e.Level >= LogLevel.Warning && e.Category.Contains("Call", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fleet_AndSetupProbes_OverWss_TheServerBehindTls_EveryFrameComesBack_AndAnUntrustedCertificateFailsTheCalls()
    {
        using var timeout = TestTimeout.Create(60);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        var pfx = Path.Combine(Path.GetTempPath(), $"voice-load-test-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "test"), timeout.Token);
        try
        {
            await using var echo = await EchoRealtimeServer.StartAsync(0, timeout.Token);
            await using var server = await TestVoiceServer.StartAsync(
                new Dictionary<string, string?>
                {
                    ["OPENAI_REALTIME_URL"] = echo.Url.ToString(),
                    ["Kestrel:Certificates:Default:Path"] = pfx,
                    ["Kestrel:Certificates:Default:Password"] = "test",
                },
                args: ["--urls=https://127.0.0.1:0"],
                cancellationToken: timeout.Token);
            Assert.Equal("https", server.BaseAddress.Scheme);
            var url = new UriBuilder(server.BaseAddress) { Scheme = "wss", Path = "/api/twilio/media-stream" }.Uri;

            // Trusted only as the certificate this server holds (what --insecure would accept without looking).
            var seen = 0;
            RemoteCertificateValidationCallback trustThisOne = (_, presented, _, _) =>
            {
                Interlocked.Increment(ref seen);
                return presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
            };
            var fleet = new CallerFleet(url, calls: 3, TimeSpan.FromSeconds(1), trustThisOne);
            var running = fleet.RunAsync(timeout.Token);
            await fleet.Sending.WaitAsync(timeout.Token);
            var probes = await new SetupProbe(url, trustThisOne).RunAsync(1, timeout.Token);
            var result = await running;

            Assert.Equal(0, result.FailedCalls);
            Assert.Equal(3 * 50, result.FramesSent);
            Assert.Equal(0, result.FramesLost);
            Assert.Equal(0, result.CrossTalk);
            var probe = Assert.Single(probes);
            Assert.False(probe.Failed);
            Assert.Equal(probe.FramesSent, probe.FramesReceived);
            // Consulted (a resumed TLS session may skip it; without it, the self-signed certificate fails, below).
            Assert.True(seen > 0);

            // Without it, the system's check refuses the self-signed certificate: every call fails, none is placed.
            var untrusted = await new CallerFleet(url, calls: 2, TimeSpan.FromMilliseconds(100)).RunAsync(timeout.Token);
            Assert.Equal(2, untrusted.FailedCalls);
            Assert.Equal(0, untrusted.FramesSent);
            Assert.StartsWith("AuthenticationException", untrusted.FirstFailure, StringComparison.Ordinal);
            Assert.Null(result.FirstFailure);
        }
        finally
        {
            File.Delete(pfx);
        }
    }

    [Fact]
    public async Task CallerSocket_SpeaksTheProtocol_WholeMessagesAcrossReads_MaskedFrames_PingAnswered_CloseHonoured()
    {
        using var timeout = TestTimeout.Create(30);
        var fromClient = Channel.CreateUnbounded<(byte Opcode, byte[] Payload)>();
        var secondHalf = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var serverDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var longMessage = new string('x', 300);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.Map("/raw", async context =>
        {
            try
            {
                // A hand-made upgrade and hand-made frames: nothing here shares code with the client under test.
                var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
                context.Response.Headers["Upgrade"] = "websocket";
#pragma warning disable CA5350 // RFC 6455 fixes SHA-1 for the accept key.
                context.Response.Headers["Sec-WebSocket-Accept"] = Convert.ToBase64String(
                    SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
                await using var stream = await context.Features.Get<IHttpUpgradeFeature>()!.UpgradeAsync();

                var text = Encoding.UTF8.GetBytes(longMessage);
                var longFrame = new byte[4 + text.Length];
                longFrame[0] = 0x81;
                longFrame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(longFrame.AsSpan(2), (ushort)text.Length);
                text.CopyTo(longFrame, 4);

                // "hello", a ping, then half of a 300-byte message: one write.
                await stream.WriteAsync((byte[])[0x81, 5, .. "hello"u8, 0x89, 2, .. "p1"u8, .. longFrame.AsSpan(0, 150)], timeout.Token);
                await stream.FlushAsync(timeout.Token);
                await secondHalf.Task.WaitAsync(timeout.Token);
                await stream.WriteAsync(longFrame.AsMemory(150), timeout.Token);
                await stream.FlushAsync(timeout.Token);

                while (true)
                {
                    var frame = await ReadClientFrameAsync(stream, timeout.Token);
                    await fromClient.Writer.WriteAsync(frame, timeout.Token);
                    if (frame.Opcode == 0x1 && Encoding.UTF8.GetString(frame.Payload) == "got it")
                    {
                        break;
                    }
                }

                // Our close; then the client's.
                await stream.WriteAsync((byte[])[0x88, 2, 0x03, 0xE8], timeout.Token);
                await stream.FlushAsync(timeout.Token);
                await fromClient.Writer.WriteAsync(await ReadClientFrameAsync(stream, timeout.Token), timeout.Token);
                serverDone.TrySetResult();
            }
            catch (Exception ex)
            {
                serverDone.TrySetException(ex);
            }
        });
        await app.StartAsync(timeout.Token);

        using var socket = new CallerSocket();
        await socket.ConnectAsync(new Uri($"ws://{new Uri(app.Urls.First()).Authority}/raw"), timeout.Token);
        var messages = Channel.CreateUnbounded<string>();
        var receiving = socket.ReceiveAsync(message => messages.Writer.TryWrite(Encoding.UTF8.GetString(message)), timeout.Token).AsTask();

        // "hello" was handed on, so the first write has been read: the rest of the long message comes in another.
        Assert.Equal("hello", await messages.Reader.ReadAsync(timeout.Token));
        await socket.SendTextAsync("ack", timeout.Token);
        secondHalf.TrySetResult();
        // The 300 bytes came in two reads and are handed on as one message.
        Assert.Equal(longMessage, await messages.Reader.ReadAsync(timeout.Token));
        var payload = new byte[CallerSocket.MaxHeaderBytes + 6];
        var length = Encoding.UTF8.GetBytes("got it", payload.AsSpan(CallerSocket.MaxHeaderBytes));
        await socket.SendTextAsync(payload, length);

        // The server's close frame ends the receive loop without an error.
        await receiving.WaitAsync(timeout.Token);
        await socket.CloseOutputAsync(timeout.Token);
        await serverDone.Task.WaitAsync(timeout.Token);

        var frames = new List<(byte Opcode, byte[] Payload)>();
        while (fromClient.Reader.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        // What the client sent, unmasked by the server: the texts intact, the ping answered once with its payload
        // before the last message, and a close with 1000 at the end.
        Assert.Equal(["ack", "got it"], frames.Where(f => f.Opcode == 0x1).Select(f => Encoding.UTF8.GetString(f.Payload)));
        var pong = Assert.Single(frames, f => f.Opcode == 0xA);
        Assert.Equal("p1"u8.ToArray(), pong.Payload);
        Assert.True(frames.IndexOf(pong) < frames.FindIndex(f => f.Opcode == 0x1 && f.Payload.Length == 6));
        Assert.Equal(0x8, frames[^1].Opcode);
        Assert.Equal(1000, BinaryPrimitives.ReadUInt16BigEndian(frames[^1].Payload));
    }

    /// <summary>One frame from the client: it must be final and masked (RFC 6455 §5.1); returned unmasked.</summary>
    private static async Task<(byte Opcode, byte[] Payload)> ReadClientFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, cancellationToken);
        Assert.True((head[0] & 0x80) != 0, "the client sent a fragment");
        Assert.True((head[1] & 0x80) != 0, "the client sent an unmasked frame");
        var length = head[1] & 0x7F;
        if (length == 126)
        {
            var extended = new byte[2];
            await stream.ReadExactlyAsync(extended, cancellationToken);
            length = BinaryPrimitives.ReadUInt16BigEndian(extended);
        }

        var mask = new byte[4];
        await stream.ReadExactlyAsync(mask, cancellationToken);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] ^= mask[i % 4];
        }

        return ((byte)(head[0] & 0x0F), payload);
    }
}
