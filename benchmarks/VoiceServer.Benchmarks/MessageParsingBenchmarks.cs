using System.Text;
using BenchmarkDotNet.Attributes;
using VoiceServer.OpenAI;
using VoiceServer.Twilio;

namespace VoiceServer.Benchmarks;

/// <summary>
/// Reading every event type either side sends, as the legs do (in place; the rare structured events through a
/// JsonDocument), and the barge-in bookkeeping: time and allocated bytes per operation.
/// </summary>
[MemoryDiagnoser]
public class MessageParsingBenchmarks
{
    private readonly byte[] _scratch = new byte[64 * 1024];

    [Params(
        "twilio:media", "twilio:mark", "twilio:dtmf", "twilio:start", "twilio:stop",
        "realtime:output_audio.delta", "realtime:output_audio_transcript.delta", "realtime:speech_started",
        "realtime:response.created", "realtime:response.done", "realtime:session.updated", "realtime:error",
        "realtime:function_call_arguments.done")]
    public string Event { get; set; } = "twilio:media";

    private byte[] _message = [];

    [GlobalSetup]
    public void Setup() => _message = Encoding.UTF8.GetBytes(Event switch
    {
        "twilio:media" => """{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"2","timestamp":"40","payload":"////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////w=="},"streamSid":"MZ0123456789abcdef0123456789abcdef"}""",
        "twilio:mark" => """{"event":"mark","sequenceNumber":"4","streamSid":"MZ0123456789abcdef0123456789abcdef","mark":{"name":"a:g1:m42"}}""",
        "twilio:dtmf" => """{"event":"dtmf","streamSid":"MZ0123456789abcdef0123456789abcdef","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}""",
        "twilio:start" => """{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC0123456789abcdef0123456789abcdef","streamSid":"MZ0123456789abcdef0123456789abcdef","callSid":"CA0123456789abcdef0123456789abcdef","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"agentId":"support-en","voice":"marin"}},"streamSid":"MZ0123456789abcdef0123456789abcdef"}""",
        "twilio:stop" => """{"event":"stop","sequenceNumber":"9","streamSid":"MZ0123456789abcdef0123456789abcdef","stop":{"accountSid":"AC0123456789abcdef0123456789abcdef","callSid":"CA0123456789abcdef0123456789abcdef"}}""",
        "realtime:output_audio.delta" => """{"type":"response.output_audio.delta","event_id":"event_1","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":""" + "\"" + Convert.ToBase64String(new byte[800]) + "\"}",
        "realtime:output_audio_transcript.delta" => """{"type":"response.output_audio_transcript.delta","event_id":"event_2","response_id":"resp_1","item_id":"item_1","output_index":0,"content_index":0,"delta":"We open at "}""",
        "realtime:speech_started" => """{"type":"input_audio_buffer.speech_started","event_id":"event_3","audio_start_ms":1000,"item_id":"item_2"}""",
        "realtime:response.created" => """{"type":"response.created","event_id":"event_4","response":{"object":"realtime.response","id":"resp_2","status":"in_progress","status_details":null,"output":[],"usage":null}}""",
        "realtime:response.done" => """{"type":"response.done","event_id":"event_5","response":{"object":"realtime.response","id":"resp_2","status":"completed","status_details":null,"output":[],"usage":{"total_tokens":390,"input_tokens":120,"output_tokens":270,"input_token_details":{"text_tokens":100,"audio_tokens":20,"cached_tokens":64,"cached_tokens_details":{"text_tokens":60,"audio_tokens":4}},"output_token_details":{"text_tokens":30,"audio_tokens":240}}}}""",
        "realtime:session.updated" => """{"type":"session.updated","event_id":"event_6","session":{"type":"realtime","audio":{"input":{"format":{"type":"audio/pcmu"},"turn_detection":{"type":"server_vad","interrupt_response":true}},"output":{"format":{"type":"audio/pcmu"},"voice":"marin"}}}}""",
        "realtime:error" => """{"type":"error","event_id":"event_7","error":{"type":"invalid_request_error","code":"response_cancel_not_active","message":"Cancellation failed: no active response found","param":null,"event_id":null}}""",
        "realtime:function_call_arguments.done" => """{"type":"response.function_call_arguments.done","event_id":"event_8","response_id":"resp_3","item_id":"item_3","output_index":0,"call_id":"call_1","name":"lookup_order","arguments":"{\"orderId\":\"A-17\"}"}""",
        _ => throw new ArgumentOutOfRangeException(nameof(Event), Event, null),
    });

    [Benchmark]
    public int Read() => Event.StartsWith("twilio:", StringComparison.Ordinal)
        ? TwilioMessageReader.TryRead(_message, _scratch, out var twilio, out _) ? (int)twilio.Event : -1
        : RealtimeEventReader.TryRead(_message, _scratch, out var realtime, out _) ? ReadBody(realtime) : -1;

    private static int ReadBody(RealtimeServerEvent realtime) => realtime.Type switch
    {
        // The structured events are parsed further, as the model leg does.
        RealtimeEventType.ResponseCreated or RealtimeEventType.ResponseDone => RealtimeEventReader.ReadResponse(realtime.Body).Id?.Length ?? 0,
        RealtimeEventType.SessionUpdated => RealtimeEventReader.ReadSession(realtime.Body).InputIsMuLaw ? 1 : 0,
        RealtimeEventType.Error => RealtimeEventReader.ReadError(realtime.Body).Code?.Length ?? 0,
        _ => (int)realtime.Type,
    };
}
