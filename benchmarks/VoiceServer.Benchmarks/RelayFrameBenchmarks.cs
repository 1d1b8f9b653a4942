using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using VoiceServer.Audio;
using VoiceServer.OpenAI;
using VoiceServer.Playback;
using VoiceServer.Twilio;
using VoiceServer.WebSockets;

namespace VoiceServer.Benchmarks;

/// <summary>
/// One frame through the bridge, each way, up to the bytes handed to the other socket's send loop. The baseline is
/// the JsonNode parse-and-rebuild of the public Twilio/OpenAI samples, measured in the same run.
/// </summary>
[MemoryDiagnoser]
public class RelayFrameBenchmarks
{
    private static readonly byte[] s_twilioMediaPrefix = new TwilioMessageWriter("MZ0123456789abcdef0123456789abcdef").MediaPrefix;
    private readonly byte[] _callerFrame;
    private readonly byte[] _modelDelta;
    private readonly byte[] _scratch = new byte[16 * 1024];
    private readonly byte[] _markName = new byte[MarkName.MaxLength];
    private readonly Utf8StringCache _ids = new();
    private readonly PlaybackTracker _tracker = new();

    public RelayFrameBenchmarks()
    {
        // A real 20 ms Twilio frame (160 bytes of μ-law) and a 100 ms Realtime delta (800 bytes).
        _callerFrame = Encoding.UTF8.GetBytes(
            """{"event":"media","sequenceNumber":"2","media":{"track":"inbound","chunk":"1","timestamp":"52","payload":"""
            + "\"" + Convert.ToBase64String(new byte[160]) + "\"},\"streamSid\":\"MZ0123456789abcdef0123456789abcdef\"}");
        _modelDelta = Encoding.UTF8.GetBytes(
            """{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"""
            + "\"" + Convert.ToBase64String(new byte[800]) + "\"}");
        _tracker.StartGeneration();
    }

    [Benchmark(Baseline = true)]
    public int CallerFrame_JsonNode()
    {
        var frame = JsonNode.Parse(_callerFrame)!;
        var append = new JsonObject { ["type"] = "input_audio_buffer.append", ["audio"] = (string?)frame["media"]!["payload"] };
        return Encoding.UTF8.GetBytes(append.ToJsonString()).Length;
    }

    [Benchmark]
    public int CallerFrame_VoiceServer()
    {
        TwilioMessageReader.TryRead(_callerFrame, _scratch, out var message, out _);
        return Enqueue(RealtimeEventWriter.AppendPrefix, message.Payload, RealtimeEventWriter.AppendSuffix);
    }

    [Benchmark]
    public int ModelDelta_JsonNode()
    {
        var delta = JsonNode.Parse(_modelDelta)!;
        var media = new JsonObject
        {
            ["event"] = "media",
            ["streamSid"] = "MZ0123456789abcdef0123456789abcdef",
            ["media"] = new JsonObject { ["payload"] = (string?)delta["delta"] },
        };
        var mark = new JsonObject
        {
            ["event"] = "mark",
            ["streamSid"] = "MZ0123456789abcdef0123456789abcdef",
            ["mark"] = new JsonObject { ["name"] = $"{(string?)delta["item_id"]}:g1:m1" },
        };
        return Encoding.UTF8.GetBytes(media.ToJsonString()).Length + Encoding.UTF8.GetBytes(mark.ToJsonString()).Length;
    }

    [Benchmark]
    public int ModelDelta_VoiceServer()
    {
        RealtimeEventReader.TryRead(_modelDelta, _scratch, out var serverEvent, out _);
        var responseId = _ids.Get(serverEvent.ResponseId);
        var itemId = _ids.Get(serverEvent.ItemId);
        _tracker.TryTrackAudio(responseId, itemId, serverEvent.ContentIndex, Base64Length.GetDecodedLength(serverEvent.Delta), _markName, out var markLength);
        var sent = Enqueue(s_twilioMediaPrefix, serverEvent.Delta, TwilioMessageWriter.ObjectSuffix);
        _tracker.OnMarkReturned(_markName.AsSpan(0, markLength));
        return sent + markLength;
    }

    // What OutboundChannel.TryEnqueue does with the bytes: one pooled copy, returned after the send.
    private static int Enqueue(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third)
    {
        var length = first.Length + second.Length + third.Length;
        var buffer = MessageBufferPool.Instance.Rent(length);
        first.CopyTo(buffer);
        second.CopyTo(buffer.AsSpan(first.Length));
        third.CopyTo(buffer.AsSpan(first.Length + second.Length));
        MessageBufferPool.Instance.Return(buffer);
        return length;
    }
}
