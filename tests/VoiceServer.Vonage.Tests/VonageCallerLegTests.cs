using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using VoiceServer.Audio;

namespace VoiceServer.Vonage.Tests;

/// <summary>
/// The leg over a real loopback socket, with Vonage's side written by hand from the reference: audio both ways
/// sample for sample against the resampler's own output, 640-byte frames, notify and clear.
/// </summary>
public sealed class VonageCallerLegTests : IAsyncLifetime
{
    private const string CallUuid = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab";

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));
    private readonly RecordingCallerEvents _events = new();
    private WebSocket _vonage = null!;
    private VonageCallerLeg _leg = null!;
    private Task _receive = Task.CompletedTask;
    private Task _send = Task.CompletedTask;

    private CancellationToken Token => _timeout.Token;

    public async Task InitializeAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var server = await accept;
        _vonage = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });
        var socket = WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true });
        _leg = new VonageCallerLeg(socket, maxMessageBytes: 64 * 1024, outboundCapacity: 1_000);
        _receive = _leg.RunReceiveLoopAsync(_events, Token);
        _send = _leg.RunSendLoopAsync(Token);
    }

    public async Task DisposeAsync()
    {
        await _timeout.CancelAsync();
        await _leg.DisposeAsync();
        _vonage.Dispose();
        await Task.WhenAll(_receive, _send).WaitAsync(TimeSpan.FromSeconds(5));
        _timeout.Dispose();
    }

    [Fact]
    public async Task FirstMessage_HeadersBecomeParameters_CallSidTheUuid()
    {
        await SendFirstMessageAsync();
        // The first message alone produces no audio; a frame after it proves the start was handled.
        await SendBinaryAsync(new byte[640]);
        await _events.WaitForAudioBytesAsync(960, Token);

        var start = _events.Start!;
        Assert.Equal(CallUuid, start.CallSid);
        Assert.Equal("audio/l16", start.Encoding);
        Assert.Equal(16000, start.SampleRate);
        Assert.Equal(1, start.Channels);
        Assert.Equal(ModelAudioFormat.Pcm24, start.ConvertedAudio);
        Assert.Equal(new Dictionary<string, string> { ["From"] = "447700900001", ["To"] = "447700900000", ["agentId"] = "support-en" }, start.CustomParameters);
        Assert.Equal(1, _events.ConnectedCount);
    }

    [Fact]
    public async Task CallerAudio_ResampledTo24kHz_SampleForSampleAsTheResampler()
    {
        await SendFirstMessageAsync();
        var speech = Pcm16(Sweep(16_000, seconds: 1));

        // Frames of 640 bytes, then one of 1,280 and one of 320 + 320: the leg cuts 20 ms pieces whatever the size.
        for (var offset = 0; offset < 640 * 40; offset += 640)
        {
            await SendBinaryAsync(speech.AsMemory(offset, 640));
        }

        await SendBinaryAsync(speech.AsMemory(640 * 40, 1_280));
        await SendBinaryAsync(speech.AsMemory(640 * 42, 320));
        await SendBinaryAsync(speech.AsMemory((640 * 42) + 320, speech.Length - (640 * 42) - 320));
        await _events.WaitForAudioBytesAsync(48_000, Token);

        var expected = Resample(PcmResampler.Up16To24(), Samples(speech));
        Assert.Equal(Pcm16(expected), _events.Audio);
        Assert.All(_events.MediaFrameBytes, bytes => Assert.Equal(960, bytes));
        Assert.Empty(_events.Malformed);
    }

    [Fact]
    public async Task AgentAudio_ResampledTo16kHz_In640ByteFrames_SampleForSample()
    {
        await SendFirstMessageAsync();
        await WaitForStartAsync();
        var reply = Pcm16(Sweep(24_000, seconds: 1));

        // Deltas of odd sizes, one of them splitting a sample: the frames still come out whole.
        var sizes = new[] { 4_801, 9_599, 960, 33, 1_000 };
        var offset = 0;
        foreach (var size in sizes.Concat(Enumerable.Repeat(4_800, 100)))
        {
            var count = Math.Min(size, reply.Length - offset);
            if (count <= 0)
            {
                break;
            }

            Assert.True(_leg.TrySendAudio(Encoding.ASCII.GetBytes(Convert.ToBase64String(reply, offset, count))));
            offset += count;
        }

        var expected = Pcm16(Resample(PcmResampler.Down24To16(), Samples(reply)));
        var wholeFrames = expected.Length / 640;
        var received = new List<byte>();
        for (var i = 0; i < wholeFrames; i++)
        {
            var (type, bytes) = await ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Binary, type);
            Assert.Equal(640, bytes.Length);
            received.AddRange(bytes);
        }

        Assert.Equal(expected[..(wholeFrames * 640)], received.ToArray());
    }

    [Fact]
    public async Task Marks_FollowTheFrameTheyWaitFor_DoneMarkPadsTheLastFrame()
    {
        await SendFirstMessageAsync();
        await WaitForStartAsync();

        // 30 ms at 24 kHz becomes 20 ms (one frame) and 10 ms waiting: the audio mark must wait for its frame.
        Assert.True(_leg.TrySendAudio(Base64(new byte[1_440])));
        Assert.True(_leg.TrySendMark("a:g1:m1"u8));
        Assert.True(_leg.TrySendMark("d:g1:m2"u8));

        var first = await ReceiveAsync();
        Assert.Equal((WebSocketMessageType.Binary, 640), (first.Type, first.Bytes.Length));
        var padded = await ReceiveAsync();
        Assert.Equal((WebSocketMessageType.Binary, 640), (padded.Type, padded.Bytes.Length));
        Assert.Equal("""{"action":"notify","payload":{"mark":"a:g1:m1"}}""", Text(await ReceiveAsync()));
        Assert.Equal("""{"action":"notify","payload":{"mark":"d:g1:m2"}}""", Text(await ReceiveAsync()));
    }

    [Fact]
    public async Task Clear_SentAsActionClear_DropsTheWaitingPartialFrameAndItsMarks()
    {
        await SendFirstMessageAsync();
        await WaitForStartAsync();

        Assert.True(_leg.TrySendAudio(Base64(new byte[480])));   // 10 ms: waits for more
        Assert.True(_leg.TrySendMark("a:g1:m1"u8));
        Assert.True(_leg.TrySendClear());
        Assert.True(_leg.TrySendMark("a:g2:m2"u8));              // nothing waiting: goes at once

        Assert.Equal("""{"action":"clear"}""", Text(await ReceiveAsync()));
        Assert.Equal("""{"action":"notify","payload":{"mark":"a:g2:m2"}}""", Text(await ReceiveAsync()));
    }

    [Fact]
    public async Task Events_NotifyIsAMark_DtmfInBothShapes_ClearedIgnored()
    {
        await SendFirstMessageAsync();
        await SendTextAsync("""{"event":"websocket:notify","payload":{"mark":"a:g1:m7"}}""");
        await SendTextAsync("""{"event":"websocket:dtmf","digit":"5","duration":260}""");
        await SendTextAsync("""{"event":"websocket:dtmf","dtmf":{"digit":7,"duration":100}}""");
        await SendTextAsync("""{"event":"websocket:cleared"}""");
        await SendTextAsync("""{"event":"websocket:surprise"}""");
        await SendBinaryAsync(new byte[640]);
        await _events.WaitForAudioBytesAsync(960, Token);

        Assert.Equal(["a:g1:m7"], _events.Marks);
        Assert.Equal(["5", "7"], _events.Digits);
        Assert.Equal(["unknown event"], _events.Malformed);
    }

    [Fact]
    public async Task OddLengthFrame_AndAudioBeforeTheFirstMessage_DroppedAsMalformed()
    {
        await SendBinaryAsync(new byte[640]);
        await SendFirstMessageAsync();
        await SendBinaryAsync(new byte[641]);
        await SendBinaryAsync(new byte[640]);
        await _events.WaitForAudioBytesAsync(960, Token);

        Assert.Equal(["audio before the first message", "a binary frame of odd length"], _events.Malformed);
        Assert.Equal([960], _events.MediaFrameBytes);
    }

    [Fact]
    public void AgentAudio_BeforeTheFirstMessage_Refused()
    {
        Assert.False(_leg.TrySendAudio(Base64(new byte[1_920])));
        Assert.False(_leg.TrySendMark("a:g1:m1"u8));
        Assert.False(_leg.TrySendClear());
    }

    internal static short[] Sweep(int rate, double seconds)
    {
        var samples = new short[(int)(rate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / (double)rate;
            samples[i] = (short)Math.Round(9_000 * Math.Sin(2 * Math.PI * (200 + (3_000 * t)) * t));
        }

        return samples;
    }

    internal static byte[] Pcm16(short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        return bytes;
    }

    private static short[] Samples(byte[] pcm)
    {
        var samples = new short[pcm.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(i * 2));
        }

        return samples;
    }

    private static short[] Resample(PcmResampler resampler, short[] input)
    {
        var output = new short[resampler.MaxOutputSamples(input.Length)];
        return output[..resampler.Process(input, output)];
    }

    private static byte[] Base64(byte[] raw) => Encoding.ASCII.GetBytes(Convert.ToBase64String(raw));

    private static string Text((WebSocketMessageType Type, byte[] Bytes) message)
    {
        Assert.Equal(WebSocketMessageType.Text, message.Type);
        return Encoding.UTF8.GetString(message.Bytes);
    }

    private Task SendFirstMessageAsync() =>
        SendTextAsync(new JsonObject
        {
            ["event"] = "websocket:connected",
            ["content-type"] = "audio/l16;rate=16000",
            ["CallSid"] = CallUuid,
            ["From"] = "447700900001",
            ["To"] = "447700900000",
            ["agentId"] = "support-en",
        }.ToJsonString());

    private async Task WaitForStartAsync()
    {
        // Messages are handled in order: once a later notify is reported, the start has been.
        var probe = _events.WaitForMarkAsync("probe", Token);
        await SendTextAsync("""{"event":"websocket:notify","payload":{"mark":"probe"}}""");
        await probe;
    }

    private Task SendTextAsync(string json) =>
        _vonage.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, Token);

    private Task SendBinaryAsync(ReadOnlyMemory<byte> bytes) =>
        _vonage.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, Token).AsTask();

    private async Task<(WebSocketMessageType Type, byte[] Bytes)> ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var count = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await _vonage.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), Token);
            count += result.Count;
        }
        while (!result.EndOfMessage);

        return (result.MessageType, buffer[..count]);
    }
}
